package io.vmm4j.kvm;

import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.vmm.Vm;

/**
 * Internal, for benchmarks only: times the upcall path of a Java device alone. The native side calls
 * the installed upcall as the vCPU's exits would (same dispatcher, vCPU key, device key, monitor and
 * exit-info block), but without KVM, so the JNI crossing and the Java dispatch are measured apart
 * from the exit itself.
 */
public final class UpcallTestHooks {
    private UpcallTestHooks() {}

    /** Makes {@code count} upcalls to {@code device} from {@code vcpu}; returns the elapsed nanoseconds. */
    public static long upcallLoop(VirtualMachine vm, Vcpu vcpu, String device, boolean isWrite, long count) {
        if (!(vm instanceof Vm core) || !(vcpu instanceof KvmVcpu kvmVcpu)) {
            throw new IllegalArgumentException("not a KVM VM: " + vm);
        }
        int key = core.deviceKey(device);
        if (key < 0) throw new IllegalArgumentException("no device '" + device + "' in " + vm);
        long elapsed = kvmVcpu.upcallLoop(key, isWrite, count);
        if (elapsed < 0) throw new IllegalStateException("an upcall failed");
        return elapsed;
    }
}
