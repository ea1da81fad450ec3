package io.vmm4j.cli.qemu;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.HypervisorUnavailableException;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.VmmException;
import io.vmm4j.arch.x86.CpuFeature;
import io.vmm4j.arch.x86.CpuModel;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.machine.PcMachine;
import io.vmm4j.cli.command.Arguments;
import io.vmm4j.cli.command.Command;
import io.vmm4j.common.FileErrors;
import io.vmm4j.devices.qemu.FwCfg;
import io.vmm4j.devices.qemu.IsaDebugExit;
import io.vmm4j.devices.qemu.PcTestdev;
import io.vmm4j.kvm.Kvm;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code vmm4j qemu}: vmm4j's QEMU-compatible front end, for harnesses that run bare-metal test kernels
 * with {@code qemu-system-x86_64} (kvm-unit-tests and the like). It accepts the subset of QEMU's options
 * such harnesses use, boots a Multiboot kernel on a PC-like VM (in-kernel PIC/IOAPIC/LAPIC and PIT,
 * COM1, i8042, RTC, ACPI tables, fw_cfg, and optionally isa-debug-exit and pc-testdev), and exits as QEMU
 * does: {@code (value << 1) | 1} after an isa-debug-exit write, 0 after a shutdown or reset, 1 on error.
 */
public final class QemuCommand implements Command {
    static final int EXIT_OK = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_INTERRUPTED = 128 + 2;
    /** The boot protocols tried for -kernel, in order. Linux's bzImage goes here when it exists. */
    static final List<KernelFormat> KERNEL_FORMATS = List.of(new MultibootFormat());

    private static final String PREFIX = "vmm4j qemu: ";

    private final Path kvmDevice;

    public QemuCommand(Path kvmDevice) {
        this.kvmDevice = kvmDevice;
    }

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    public String summary() {
        return "QEMU-compatible front end: boot a Multiboot test kernel as qemu-system-x86_64 would";
    }

    @Override
    public String usage() {
        StringBuilder text = new StringBuilder()
                .append("Usage: vmm4j qemu [QEMU options]   (also installed as qemu-system-x86_64)\n")
                .append("vmm4j's QEMU-compatible front end: runs bare-metal test kernels written for QEMU\n")
                .append("(such as kvm-unit-tests) on vmm4j, with the subset of QEMU's options their harnesses use.\n")
                .append("It is not QEMU: any other option is refused.\n\n")
                .append("Options (one dash or two):\n");
        for (QemuOptionParser.Option option : QemuOptionParser.OPTIONS) {
            String head = option.name() + (option.takesValue() ? " " + option.argument() : "");
            text.append(
                    head.length() < 30
                            ? String.format("%-30s %s%n", head, option.help())
                            : String.format("%s%n%-30s %s%n", head, "", option.help()));
        }
        return text.append("\n")
                .append("The VM always has the in-kernel PIC, IOAPIC and LAPICs, the PIT unless -machine pit=off,\n")
                .append("COM1 on IRQ 4, the i8042, the RTC, ACPI tables (MADT) and fw_cfg on ports 0x510/0x511\n")
                .append("(signature, id, RAM size, CPU counts, e820 table). No PCI, no BIOS, no disks, no network,\n")
                .append("no monitor.\n\n")
                .append("Exit status, as QEMU: (value << 1) | 1 when the guest writes value to isa-debug-exit;\n")
                .append("0 when the guest shuts down or resets (a reset ends the run, as with -no-reboot);\n")
                .append("1 on a bad command line, an unloadable kernel or a VM failure; 130 when interrupted.\n")
                .toString();
    }

    /** The device list of {@code -device help}, in QEMU's format (harnesses grep it for "pc-testdev"). */
    static String deviceList() {
        StringBuilder text = new StringBuilder("Misc devices:\n");
        for (String device : QemuOptionParser.DEVICES)
            text.append("name \"").append(device).append("\", bus ISA\n");
        return text.toString();
    }

    /** {@code -cpu help}, in the shape of QEMU's list: the models, then the feature names. */
    static String cpuList() {
        StringBuilder text = new StringBuilder("Available CPU models:\n");
        for (CpuModel model : CpuModel.values())
            text.append("  ").append(model.modelName()).append('\n');
        text.append("\nRecognized CPUID flags:\n");
        for (CpuFeature feature : CpuFeature.values())
            text.append("  ").append(feature.featureName()).append('\n');
        return text.toString();
    }

    @Override
    public int run(Arguments args, PrintStream out, PrintStream err) {
        List<String> list = new ArrayList<>();
        while (args.hasNext()) list.add(args.next());
        return run(list, out, err);
    }

    int run(List<String> args, PrintStream out, PrintStream err) {
        QemuOptions options;
        try {
            options = QemuOptionParser.parse(args);
        } catch (QemuUsageException e) {
            err.println(PREFIX + e.getMessage());
            return EXIT_ERROR;
        }
        if (options.help) {
            out.print(usage());
            return EXIT_OK;
        }
        if (options.listDevices) {
            out.print(deviceList());
            return EXIT_OK;
        }
        if (options.listCpus) {
            out.print(cpuList());
            return EXIT_OK;
        }
        try {
            return boot(options, out, err);
        } catch (KernelLoadException e) {
            err.println(PREFIX + e.getMessage());
            return EXIT_ERROR;
        } catch (IOException e) {
            err.println(PREFIX + e.getMessage());
            return EXIT_ERROR;
        } catch (VmmException | IllegalArgumentException | IllegalStateException e) {
            err.println(PREFIX + e.getMessage());
            return EXIT_ERROR;
        }
    }

    // Everything that needs no VM is read and checked first, so bad input is reported as such on any host.
    private int boot(QemuOptions options, PrintStream out, PrintStream err) throws IOException {
        byte[] kernel = readKernel(options.kernel);
        KernelFormat format = KERNEL_FORMATS.stream()
                .filter(f -> f.recognizes(kernel))
                .findFirst()
                .orElseThrow(() -> KernelLoadException.whole(
                        options.kernel.toString(),
                        "not a multiboot kernel (no multiboot header in"
                                + " its first 8192 bytes); vmm4j qemu boots Multiboot v1 kernels",
                        null));
        E820Map map = E820Map.forMemory(options.memorySize);
        VmConfig.Builder config = VmConfig.builder()
                .vcpuCount(options.cpus)
                .memorySize(options.memorySize)
                .irqchip(true)
                .pit(options.pitMode())
                .cpuModel(options.cpuModel);
        options.cpuFeatures.forEach(config::cpuFeature);
        VmConfig vmConfig = config.build();
        KernelFormat.Prepared prepared =
                format.prepare(map, new KernelFormat.Request(options.kernel, kernel, options.append, options.initrd));
        OutputStream serialFile = null;
        if (options.effectiveSerial() == QemuOptions.SerialSink.FILE) {
            try {
                serialFile = Files.newOutputStream(options.serialFile);
            } catch (IOException e) {
                err.println(
                        PREFIX + "cannot write the serial file " + options.serialFile + ": " + FileErrors.strerror(e));
                return EXIT_ERROR;
            }
        }
        try {
            OutputStream console = switch (options.effectiveSerial()) {
                case STDIO -> out;
                case NONE -> OutputStream.nullOutputStream();
                case FILE -> serialFile;
            };
            PcMachine machine;
            try (Hypervisor kvm = Kvm.open(kvmDevice)) {
                machine = PcMachine.builder(vmConfig).console(console).build(kvm);
            } catch (HypervisorUnavailableException e) {
                err.println(PREFIX + "KVM is unavailable at " + kvmDevice + ": " + e.getMessage());
                return EXIT_ERROR;
            }
            return run(machine, prepared, map, options, out, err);
        } finally {
            if (serialFile != null) serialFile.close();
        }
    }

    private static int run(
            PcMachine machine,
            KernelFormat.Prepared kernel,
            E820Map map,
            QemuOptions options,
            PrintStream out,
            PrintStream err) {
        VirtualMachine vm = machine.vm();
        Thread closeOnShutdown = new Thread(vm::close, "vmm4j-close-vm");
        Runtime.getRuntime().addShutdownHook(closeOnShutdown);
        try {
            Consumer<Vcpu> entry = kernel.load(vm);
            installDevices(vm, options, map);
            entry.accept(machine.bootVcpu());
            vm.start();
            StopReason reason = awaitStop(vm);
            out.flush();
            return exitStatus(reason, options, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(PREFIX + "interrupted while the guest ran");
            return EXIT_INTERRUPTED;
        } finally {
            closeUnlessShuttingDown(vm, closeOnShutdown);
        }
    }

    /** The QEMU devices a test harness expects, beyond the PC machine's own. */
    private static void installDevices(VirtualMachine vm, QemuOptions options, E820Map map) {
        vm.addIoDevice(
                "fw_cfg",
                AddressSpace.PIO,
                FwCfg.BASE_PORT,
                FwCfg.PORT_COUNT,
                FwCfg.forPc(options.memorySize, options.cpus, options.maxCpusOrCpus(), map, options.nographic));
        if (options.debugExitBase.isPresent()) {
            vm.addIoDevice(
                    "isa-debug-exit",
                    AddressSpace.PIO,
                    options.debugExitBase.getAsInt(),
                    options.debugExitSize,
                    IsaDebugExit.stopping(vm));
        }
        if (options.pcTestdev) new PcTestdev(vm::setIrqLevel).install(vm);
    }

    static int exitStatus(StopReason reason, QemuOptions options, PrintStream err) {
        switch (reason.kind()) {
            case GUEST_EXIT:
                return IsaDebugExit.exitStatus(reason.exitValue().orElseThrow());
            case SHUTDOWN:
            case SYSTEM_RESET:
                if (!options.noReboot) {
                    err.println(PREFIX + "the guest "
                            + (reason.kind() == StopReason.Kind.SHUTDOWN ? "shut down (triple fault)" : "reset")
                            + "; vmm4j does not reboot, so the run ends as with"
                            + " -no-reboot");
                }
                return EXIT_OK;
            case HALTED:
                return EXIT_OK;
            case STOP_REQUESTED:
                err.println(PREFIX + "stopped before the guest ended");
                return EXIT_INTERRUPTED;
            default:
                err.println(PREFIX + "the guest stopped: " + reason);
                return EXIT_ERROR;
        }
    }

    /**
     * The -kernel file, or QEMU's error for it (hw/i386/x86.c): harnesses such as kvm-unit-tests treat
     * "could not load kernel" next to the path as proof that the rest of the command line was accepted.
     */
    private static byte[] readKernel(Path path) throws IOException {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new IOException("could not load kernel '" + path + "': " + FileErrors.strerror(e), e);
        }
    }

    private static StopReason awaitStop(VirtualMachine vm) throws InterruptedException {
        Optional<StopReason> reason;
        do {
            reason = vm.awaitStop(Duration.ofHours(1));
        } while (reason.isEmpty());
        return reason.get();
    }

    private static void closeUnlessShuttingDown(VirtualMachine vm, Thread closeOnShutdown) {
        try {
            Runtime.getRuntime().removeShutdownHook(closeOnShutdown);
        } catch (IllegalStateException shuttingDown) {
            return;
        }
        vm.close();
    }
}
