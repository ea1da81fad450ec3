package io.vmm4j.vmm;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.PlatformCapabilities;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.vmm.backend.HypervisorBackend;

/** The VMM over one hypervisor backend: the public {@link Hypervisor}, making backend-neutral {@link Vm}s. */
public final class Vmm implements Hypervisor {
    private final HypervisorBackend backend;

    public Vmm(HypervisorBackend backend) {
        this.backend = backend;
    }

    @Override
    public PlatformCapabilities capabilities() {
        return backend.capabilities();
    }

    @Override
    public VirtualMachine createVm(VmConfig config) {
        return new Vm(backend, config);
    }

    @Override
    public void close() {
        backend.close();
    }

    @Override
    public String toString() {
        return backend.toString();
    }
}
