package io.vmm4j.arch.x86.machine;

import io.vmm4j.api.GenerationId;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.BootCpuState;
import io.vmm4j.arch.x86.PcPlatform;
import io.vmm4j.arch.x86.VmGenerationId;
import io.vmm4j.arch.x86.acpi.AcpiPlatform;
import io.vmm4j.arch.x86.acpi.AcpiTables;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place a PC-like VM is put together, for every front end (the Linux builder, {@code vmm4j
 * qemu}, {@code vmm4j run --kernel}): the in-kernel irqchip and PIT, the PC legacy devices, the virtio
 * devices, ACPI tables describing the vCPUs and devices, and every vCPU in its reset state. What boots
 * on it (a Linux kernel, a Multiboot kernel) and any extra devices are the caller's. The VM is
 * returned CREATED.
 *
 * @param vm the VM
 * @param com1 its first serial port, the console
 * @param vmGenerationId its VM Generation ID, when the builder was asked for one
 */
public record PcMachine(VirtualMachine vm, SerialPort com1, Optional<GenerationId> vmGenerationId)
        implements AutoCloseable {
    public static Builder builder(VmConfig config) {
        return new Builder(config);
    }

    /** The boot vCPU: where the caller puts the kernel's entry state. */
    public io.vmm4j.api.Vcpu bootVcpu() {
        return vm.vcpus().get(0);
    }

    @Override
    public void close() {
        vm.close();
    }

    public static final class Builder {
        private final VmConfig config;
        private OutputStream console = OutputStream.nullOutputStream();
        private final List<VirtioDeviceConfig> virtioDevices = new ArrayList<>();
        private boolean vmGenerationId;

        /** @param config the VM's configuration; the PC needs its in-kernel irqchip */
        private Builder(VmConfig config) {
            if (!config.irqchip()) {
                throw new IllegalArgumentException("a PC machine needs the in-kernel irqchip (VmConfig.irqchip)");
            }
            this.config = config;
        }

        /** Where COM1's output goes. */
        public Builder console(OutputStream console) {
            this.console = Objects.requireNonNull(console, "console");
            return this;
        }

        public Builder virtio(List<VirtioDeviceConfig> devices) {
            devices.forEach(device -> virtioDevices.add(Objects.requireNonNull(device, "device")));
            return this;
        }

        /**
         * Whether the VM gets a VM Generation ID ({@link VmGenerationId}: the ACPI VGEN device, a
         * Generic Event Device on GSI {@link io.vmm4j.arch.x86.MemoryLayout#GED_IRQ} that notifies it,
         * and a fresh id in guest memory). Off unless asked for.
         */
        public Builder vmGenerationId(boolean enabled) {
            this.vmGenerationId = enabled;
            return this;
        }

        /** Creates the VM with its devices, ACPI tables and vCPUs; on any failure nothing is left open. */
        public PcMachine build(Hypervisor hypervisor) {
            VirtualMachine vm = hypervisor.createVm(config);
            try {
                SerialPort com1 = PcPlatform.install(vm, console);
                virtioDevices.forEach(vm::addVirtioDevice);
                AcpiTables acpi = AcpiTables.build(AcpiPlatform.of(config.vcpuCount(), vm.virtioDevices(), true)
                        .withVmGenerationId(vmGenerationId));
                vm.memory().write(acpi.baseAddress(), acpi.image());
                Optional<GenerationId> generationId =
                        vmGenerationId ? Optional.of(VmGenerationId.install(vm)) : Optional.empty();
                // The APs stay in their reset state until the guest sends them INIT/SIPI.
                for (int id = 0; id < config.vcpuCount(); id++) BootCpuState.apply(vm.createVcpu(id), true);
                return new PcMachine(vm, com1, generationId);
            } catch (RuntimeException e) {
                vm.close();
                throw e;
            }
        }
    }
}
