package io.vmm4j.kvm;

import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.jni.InstalledUpcall;
import io.vmm4j.vmm.Vm;

/**
 * Test code (not shipped), for benchmarks: what a native loop needs to call the upcall path of a Java
 * device exactly as a vCPU's exits do (same dispatcher, vCPU key, device key, monitor and exit-info
 * block), but without KVM, so the JNI crossing and the Java dispatch are measured apart from the exit.
 */
public final class UpcallTestHooks {
    private UpcallTestHooks() {}

    /**
     * @param upcall the installed upcall's native address
     * @param vcpuKey the key the upcall finds {@code vcpu} by
     * @param deviceKey the key the vCPU finds the device by
     */
    public record Target(long upcall, int vcpuKey, int deviceKey) {}

    public static Target target(VirtualMachine vm, Vcpu vcpu, String device) {
        if (!(vm instanceof Vm core) || !(vcpu instanceof KvmVcpu kvmVcpu)) {
            throw new IllegalArgumentException("not a KVM VM: " + vm);
        }
        int key = core.deviceKey(device);
        if (key < 0) throw new IllegalArgumentException("no device '" + device + "' in " + vm);
        return new Target(InstalledUpcall.address(), kvmVcpu.upcallKey(), key);
    }
}
