package io.vmm4j.builder;

import io.vmm4j.api.GenerationId;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.VirtioMmioKernelParameters;
import io.vmm4j.arch.x86.acpi.AcpiTables;
import io.vmm4j.arch.x86.boot.CommandLine;
import io.vmm4j.arch.x86.boot.KernelLoader;
import io.vmm4j.arch.x86.boot.KernelLoader.BzImageMode;
import io.vmm4j.arch.x86.boot.KernelLoader.ParsedKernel;
import io.vmm4j.arch.x86.boot.LinuxBootSetup;
import io.vmm4j.arch.x86.boot.LinuxBootSetup.BootOptions;
import io.vmm4j.arch.x86.boot.LoadedKernel;
import io.vmm4j.arch.x86.machine.PcMachine;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Puts together a VM that boots a Linux kernel the way a microVM does: the in-kernel irqchip and
 * PIT, the PC legacy devices, ACPI tables describing the vCPUs and devices, the kernel (and initrd)
 * loaded per the Linux boot protocol, and every vCPU in its reset or entry state. The result is
 * CREATED: call {@link VirtualMachine#start()}.
 */
public final class LinuxVmBuilder {
    /** Serial console, early console, and the reboot/panic behaviour a VMM wants. */
    public static final String DEFAULT_COMMAND_LINE = "console=ttyS0 earlyprintk=serial reboot=k panic=1 pci=off";

    private final Path kernel;
    private Optional<Path> initrd = Optional.empty();
    private String commandLine = DEFAULT_COMMAND_LINE;
    private int vcpuCount = 1;
    private long memoryMiB = 256;
    private BzImageMode bzImageMode = BzImageMode.DECOMPRESS_ON_HOST;
    private boolean pvh;
    private boolean virtioOnCommandLine;
    private boolean vmGenerationId = true;
    private OutputStream console = OutputStream.nullOutputStream();
    private final List<VirtioDeviceConfig> virtioDevices = new ArrayList<>();
    private ParsedKernel parsedKernel; // kept by checkInputs: decompressing again would be wasted

    private LinuxVmBuilder(Path kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    /** @param kernel an ELF vmlinux or a bzImage */
    public static LinuxVmBuilder kernel(Path kernel) {
        return new LinuxVmBuilder(kernel);
    }

    public LinuxVmBuilder initrd(Path initrd) {
        this.initrd = Optional.of(initrd);
        return this;
    }

    public LinuxVmBuilder commandLine(String commandLine) {
        this.commandLine = Objects.requireNonNull(commandLine, "commandLine");
        return this;
    }

    public LinuxVmBuilder vcpus(int count) {
        this.vcpuCount = count;
        return this;
    }

    public LinuxVmBuilder memoryMiB(long mebibytes) {
        this.memoryMiB = mebibytes;
        return this;
    }

    /** How a bzImage is started; by default its payload is decompressed on the host. */
    public LinuxVmBuilder bzImageMode(BzImageMode mode) {
        this.bzImageMode = Objects.requireNonNull(mode, "mode");
        this.parsedKernel = null;
        return this;
    }

    /** Enters the kernel through its PVH entry point (32-bit, paging off) instead of the 64-bit one. */
    public LinuxVmBuilder pvh(boolean pvh) {
        this.pvh = pvh;
        return this;
    }

    /**
     * Also names the virtio-mmio devices on the command line ({@code virtio_mmio.device=}), for
     * kernels that find them there rather than in the ACPI DSDT.
     */
    public LinuxVmBuilder virtioOnCommandLine(boolean virtioOnCommandLine) {
        this.virtioOnCommandLine = virtioOnCommandLine;
        return this;
    }

    /**
     * Whether the VM has a VM Generation ID (on by default): an ACPI device that Linux 5.18 and later
     * reseed their RNG from when {@link GenerationId#regenerate()} changes it, as a restore or clone
     * should. It takes GSI {@link MemoryLayout#GED_IRQ} and the page at {@link MemoryLayout#VMGENID_ADDRESS}.
     */
    public LinuxVmBuilder vmGenerationId(boolean vmGenerationId) {
        this.vmGenerationId = vmGenerationId;
        return this;
    }

    /**
     * The kernel as {@link KernelLoader#parse} already read it from this builder's file in this
     * builder's {@link BzImageMode}, so that many VMs booted from one file decompress it once.
     */
    public LinuxVmBuilder parsedKernel(ParsedKernel parsed) {
        this.parsedKernel = Objects.requireNonNull(parsed, "parsed");
        return this;
    }

    /** Where COM1's output goes. */
    public LinuxVmBuilder console(OutputStream console) {
        this.console = Objects.requireNonNull(console, "console");
        return this;
    }

    public LinuxVmBuilder virtio(VirtioDeviceConfig device) {
        virtioDevices.add(Objects.requireNonNull(device, "device"));
        return this;
    }

    /**
     * Reads and checks everything that needs no VM: parses the kernel (decompressing a bzImage's
     * payload in {@code DECOMPRESS_ON_HOST} mode), checks the initrd, that the virtio devices fit the
     * slots, and every disk's file ({@link VirtioDeviceConfig.Block#checkBackingFile()}). Call it
     * before opening the hypervisor, so that bad input is reported as such on any host; {@link #build}
     * calls it too.
     *
     * @throws io.vmm4j.arch.x86.KernelLoadException naming the kernel or initrd file and the problem
     * @throws IllegalArgumentException naming a disk's file, or when the devices outnumber the slots
     */
    public LinuxVmBuilder checkInputs() {
        if (parsedKernel == null) parsedKernel = KernelLoader.parse(kernel, bzImageMode);
        initrd.ifPresent(KernelLoader::checkInitrd);
        for (int index = 0; index < virtioDevices.size(); index++) {
            VirtioDeviceConfig device = virtioDevices.get(index);
            MemoryLayout.virtioSlot(device, index); // the slot addVirtioDevice will take, or the error it would give
            if (device instanceof VirtioDeviceConfig.Block disk) disk.checkBackingFile();
        }
        return this;
    }

    /** A VM ready to start; on any failure nothing is left open. */
    public LinuxVm build(Hypervisor hypervisor) {
        checkInputs();
        PcMachine machine = PcMachine.builder(VmConfig.builder()
                        .vcpuCount(vcpuCount)
                        .memoryMiB(memoryMiB)
                        .irqchip(true)
                        .build())
                .console(console)
                .virtio(virtioDevices)
                .vmGenerationId(vmGenerationId)
                .build(hypervisor);
        VirtualMachine vm = machine.vm();
        try {
            LoadedKernel loaded = parsedKernel.load(vm.memory());
            if (pvh) loaded = loaded.asPvh();
            CommandLine line = CommandLine.of(commandLine);
            if (virtioOnCommandLine && !vm.virtioDevices().isEmpty()) {
                line.add(VirtioMmioKernelParameters.of(vm.virtioDevices()));
            }
            BootOptions options = BootOptions.of(line).withAcpiRsdp(AcpiTables.rsdpAddress());
            if (initrd.isPresent())
                options = options.withInitrd(KernelLoader.loadInitrd(vm.memory(), initrd.get(), loaded));
            LinuxBootSetup.prepare(vm.memory(), loaded, options).applyTo(machine.bootVcpu());
            return new LinuxVm(vm, machine.com1(), loaded, machine.vmGenerationId());
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    /**
     * A built VM, its COM1, what was loaded, and its VM Generation ID unless turned off. Closing it
     * closes the VM.
     */
    public record LinuxVm(
            VirtualMachine vm, SerialPort console, LoadedKernel kernel, Optional<GenerationId> vmGenerationId)
            implements AutoCloseable {
        @Override
        public void close() {
            vm.close();
        }
    }
}
