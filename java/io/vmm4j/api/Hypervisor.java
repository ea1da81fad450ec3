package io.vmm4j.api;

/** A host hypervisor: creates VMs. Obtain the KVM one with {@code io.vmm4j.kvm.Kvm.open()}. */
public interface Hypervisor extends AutoCloseable {
    PlatformCapabilities capabilities();

    /** Creates a VM with its memory. vCPUs are created with {@link VirtualMachine#createVcpu(int)}. */
    VirtualMachine createVm(VmConfig config);

    /** Releases the hypervisor handle. VMs created from it stay usable until they are closed. */
    @Override
    void close();
}
