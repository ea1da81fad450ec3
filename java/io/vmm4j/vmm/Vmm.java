package io.vmm4j.vmm;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.PlatformCapabilities;
import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.Template;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.vmm.backend.HypervisorBackend;
import java.nio.file.Path;

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
    public VirtualMachine restore(Path directory, RestoreOptions options) {
        return VmSnapshots.restore(backend, VmSnapshots.Chain.load(directory), options);
    }

    @Override
    public Template template(Path directory) {
        VmSnapshots.Chain chain = VmSnapshots.Chain.load(directory);
        return new Template() {
            @Override
            public VirtualMachine newVm() {
                return newVm(RestoreOptions.none());
            }

            @Override
            public VirtualMachine newVm(RestoreOptions options) {
                Vm vm = VmSnapshots.restore(backend, chain, options);
                try {
                    vm.start();
                } catch (RuntimeException e) {
                    vm.close();
                    throw e;
                }
                return vm;
            }

            @Override
            public void close() {}

            @Override
            public String toString() {
                return "Template(" + directory + ")";
            }
        };
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
