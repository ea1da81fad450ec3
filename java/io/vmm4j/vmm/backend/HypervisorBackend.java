package io.vmm4j.vmm.backend;

import io.vmm4j.api.PlatformCapabilities;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.x86.CpuidEntry;
import java.util.List;

/** One open hypervisor: what it offers, and VM creation. */
public interface HypervisorBackend extends AutoCloseable {
    PlatformCapabilities capabilities();

    /** Every CPUID leaf the hypervisor can offer a guest; the VM core filters it for each vCPU. */
    List<CpuidEntry> supportedCpuid();

    /**
     * Creates a VM with its RAM regions and, as {@code config} asks, its in-kernel interrupt controllers.
     *
     * @param name the VM's name, for errors and thread names
     */
    VmBackend createVm(String name, VmConfig config, List<MemoryRegion> ram);

    /** Releases the hypervisor handle. VMs created from it stay usable until they are closed. */
    @Override
    void close();
}
