package io.vmm4j.kvm;

import io.vmm4j.api.VirtualMachine;
import io.vmm4j.devices.virtio.VirtioMmioTransport;
import io.vmm4j.vmm.Vm;

/**
 * Test code (not shipped), for tests and benchmarks: drive a virtio device of a KVM VM without a guest.
 * Register accesses go straight to the transport (as a vCPU's MMIO exit would); notify rings the
 * queue's ioeventfd as the guest's QueueNotify write does; awaitInterrupt reads the interrupt
 * eventfd, which works only for VMs without the in-kernel irqchip (KVM consumes it otherwise).
 */
public final class VirtioTestHooks {
    private VirtioTestHooks() {}

    public static VirtioMmioTransport transport(VirtualMachine vm, String device) {
        return attached(vm, device).transport();
    }

    public static void notify(VirtualMachine vm, String device, int queue) {
        attached(vm, device).backend().notifyQueue(queue);
    }

    public static boolean awaitInterrupt(VirtualMachine vm, String device, long timeoutMillis) {
        return attached(vm, device).backend().awaitInterrupt(timeoutMillis);
    }

    private static KvmVirtioDevices.Attached attached(VirtualMachine vm, String device) {
        if (!(vm instanceof Vm core) || !(core.backend() instanceof KvmVm kvm)) {
            throw new IllegalArgumentException("not a KVM VM: " + vm);
        }
        return kvm.virtio().get(device);
    }
}
