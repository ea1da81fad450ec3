package io.vmm4j.cli;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.HypervisorUnavailableException;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.VmmException;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.arch.x86.IsaPorts;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.builder.LinuxVmBuilder;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.cli.command.Arguments;
import io.vmm4j.cli.command.Command;
import io.vmm4j.cli.command.UsageException;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.kvm.Kvm;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/** {@code vmm4j run}: boots a guest with COM1 on standard output and waits for it to stop. */
final class RunCommand implements Command {
    static final int DEFAULT_MEMORY_MIB = 128;
    static final int MAX_MEMORY_MIB = (int) (MemoryLayout.MAX_RAM >> 20);
    static final int MAX_CPUS = 255; // what the MADT's 8-bit APIC ids allow
    private static final String READ_ONLY_SUFFIX = ",ro";

    /** The bundled guests that need no device but COM1, each with the CPU mode it starts in. */
    enum StandaloneGuest {
        HELLO(BundledGuest.HELLO, FlatBinaryBoot::enterProtectedMode),
        REALMODE_HELLO(BundledGuest.REALMODE_HELLO, FlatBinaryBoot::enterRealMode),
        TRIPLE_FAULT(BundledGuest.TRIPLE_FAULT, FlatBinaryBoot::enterProtectedMode);

        final BundledGuest image;
        final Consumer<Vcpu> entry;

        StandaloneGuest(BundledGuest image, Consumer<Vcpu> entry) {
            this.image = image;
            this.entry = entry;
        }

        static String names() {
            return Arrays.stream(values()).map(g -> g.image.fileName()).collect(Collectors.joining(", "));
        }
    }

    private final Path kvmDevice;

    RunCommand(Path kvmDevice) {
        this.kvmDevice = kvmDevice;
    }

    @Override
    public String name() {
        return "run";
    }

    @Override
    public String summary() {
        return "boot a guest with its serial console on standard output";
    }

    @Override
    public String usage() {
        return "Usage: vmm4j run [options]\n"
                + "Boots a guest with COM1 on standard output and waits for it to stop.\n"
                + "Without options it boots the bundled demo guest 'hello'.\n"
                + "\n"
                + "With --kernel it boots a Linux kernel (bzImage or ELF vmlinux) per the Linux boot protocol,\n"
                + "with ACPI tables, the in-kernel irqchip and COM1 on IRQ 4; standard input goes to COM1.\n"
                + "Virtio devices are virtio-mmio, described in the ACPI tables (Linux: CONFIG_VIRTIO_MMIO).\n"
                + "A root disk: --disk rootfs.ext4 --cmdline 'console=ttyS0 reboot=k panic=1 root=/dev/vda'.\n"
                + "\n"
                + "Options:\n"
                + "  --guest NAME    bundled guest to boot: " + StandaloneGuest.names() + " (default hello)\n"
                + "  --kernel FILE   a Linux kernel to boot instead\n"
                + "  --initrd FILE   an initial RAM disk for the kernel\n"
                + "  --cmdline TEXT  the kernel command line (default: " + LinuxVmBuilder.DEFAULT_COMMAND_LINE + ")\n"
                + "  --cpus"
                + " N   "
                + "     vCPUs"
                + " for the"
                + " kernel"
                + " (default"
                + " 1)\n"
                + "  --disk"
                + " FILE[,ro]"
                + "  a virtio-blk"
                + " disk"
                + " backed"
                + " by FILE"
                + " (a file"
                + " of whole"
                + " 512-byte"
                + " sectors,"
                + " or a\n"
                + "     "
                + "     "
                + "     "
                + "   block"
                + " device),"
                + " read-only"
                + " with"
                + " ,ro;"
                + " repeatable:"
                + " the guest"
                + " sees"
                + " /dev/vda,"
                + " /dev/vdb...\n"
                + "  --rng"
                + "     "
                + "     "
                + " a virtio-rng"
                + " device"
                + " (the"
                + " host's"
                + " getrandom),"
                + " the guest's"
                + " /dev/hwrng\n"
                + "  --mem"
                + " MiB "
                + "     "
                + " guest"
                + " memory"
                + " in MiB"
                + " (default"
                + " " + DEFAULT_MEMORY_MIB + ")\n"
                + "  -h, --help      show this help\n"
                + "\n"
                + "Exit status: 0 when the guest halts (a kernel: powers off or reboots), 1 when it stops\n"
                + "otherwise or cannot start, 2 on a bad command line, 130 when interrupted.\n";
    }

    @Override
    public int run(Arguments args, PrintStream out, PrintStream err) throws UsageException {
        StandaloneGuest guest = null;
        Path kernel = null;
        Path initrd = null;
        String commandLine = LinuxVmBuilder.DEFAULT_COMMAND_LINE;
        int cpus = 1;
        int memoryMiB = DEFAULT_MEMORY_MIB;
        List<VirtioDeviceConfig> disks = new ArrayList<>();
        boolean rng = false;
        while (args.hasNext()) {
            String option = args.nextOption();
            switch (option) {
                case "-h", "--help" -> {
                    args.noValue(option);
                    out.print(usage());
                    return Main.EXIT_OK;
                }
                case "--guest" -> guest = standaloneGuest(args.value(option));
                case "--kernel" -> kernel = Path.of(args.value(option));
                case "--initrd" -> initrd = Path.of(args.value(option));
                case "--cmdline" -> commandLine = args.value(option);
                case "--cpus" -> cpus = Arguments.intInRange(option, args.value(option), 1, MAX_CPUS);
                case "--mem" -> memoryMiB = Arguments.intInRange(option, args.value(option), 1, MAX_MEMORY_MIB);
                case "--disk" -> disks.add(disk("disk" + disks.size(), option, args.value(option)));
                case "--rng" -> {
                    args.noValue(option);
                    rng = true;
                }
                default -> throw new UsageException("unknown option " + option);
            }
        }
        if (kernel == null) {
            if (initrd != null
                    || cpus != 1
                    || !commandLine.equals(LinuxVmBuilder.DEFAULT_COMMAND_LINE)
                    || !disks.isEmpty()
                    || rng) {
                throw new UsageException("--initrd, --cmdline, --cpus, --disk and --rng go with --kernel");
            }
            return boot(bootGuest(guest == null ? StandaloneGuest.HELLO : guest, memoryMiB, out), false, out, err);
        }
        if (guest != null) throw new UsageException("--guest and --kernel exclude each other");
        LinuxVmBuilder linux = LinuxVmBuilder.kernel(kernel)
                .commandLine(commandLine)
                .vcpus(cpus)
                .memoryMiB(memoryMiB)
                .console(out);
        if (initrd != null) linux.initrd(initrd);
        disks.forEach(linux::virtio);
        if (rng) linux.virtio(new VirtioDeviceConfig.Rng("rng"));
        try {
            linux.checkInputs(); // before KVM is opened: bad input is reported as such on any host
        } catch (VmmException | IllegalArgumentException e) {
            err.println("vmm4j run: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        return boot(
                kvm -> {
                    LinuxVm built = linux.build(kvm);
                    return new Prepared(built.vm(), built.console());
                },
                true,
                out,
                err);
    }

    /** {@code FILE} or {@code FILE,ro}; the file itself is checked with the other inputs, before KVM. */
    private static VirtioDeviceConfig.Block disk(String name, String option, String value) throws UsageException {
        boolean readOnly = value.endsWith(READ_ONLY_SUFFIX);
        String file = readOnly ? value.substring(0, value.length() - READ_ONLY_SUFFIX.length()) : value;
        if (file.isEmpty()) throw new UsageException(option + " needs a file, as FILE or FILE,ro; was '" + value + "'");
        return new VirtioDeviceConfig.Block(name, Path.of(file), readOnly);
    }

    /** A VM ready to start, and its COM1. */
    private record Prepared(VirtualMachine vm, SerialPort com1) {}

    private static Function<Hypervisor, Prepared> bootGuest(StandaloneGuest guest, int memoryMiB, PrintStream out) {
        return kvm -> {
            VirtualMachine vm =
                    kvm.createVm(VmConfig.builder().memoryMiB(memoryMiB).build());
            try {
                SerialPort com1 = vm.addSerialPort("com1", IsaPorts.COM1, out);
                FlatBinaryBoot.load(vm, guest.image.image());
                guest.entry.accept(vm.createVcpu(0));
                return new Prepared(vm, com1);
            } catch (RuntimeException e) {
                vm.close();
                throw e;
            }
        };
    }

    private static StandaloneGuest standaloneGuest(String name) throws UsageException {
        for (StandaloneGuest guest : StandaloneGuest.values()) {
            if (guest.image.fileName().equals(name)) return guest;
        }
        boolean bundled =
                Arrays.stream(BundledGuest.values()).anyMatch(g -> g.fileName().equals(name));
        throw new UsageException("--guest "
                + (bundled
                        ? "'" + name + "' needs devices that run does not attach"
                        : "'" + name + "' is not a bundled guest")
                + "; choose one of " + StandaloneGuest.names());
    }

    /** Prepares a VM with {@code prepare}, runs it, and turns its end into an exit status. */
    private int boot(
            Function<Hypervisor, Prepared> prepare, boolean operatingSystem, PrintStream out, PrintStream err) {
        Prepared prepared;
        try (Hypervisor kvm = Kvm.open(kvmDevice)) {
            prepared = prepare.apply(kvm);
        } catch (HypervisorUnavailableException e) {
            err.println("vmm4j run: KVM is unavailable at " + kvmDevice + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (VmmException | IllegalArgumentException e) {
            err.println("vmm4j run: " + e.getMessage()); // a kernel too large for --mem, say: one line
            return Main.EXIT_FAILURE;
        }
        VirtualMachine vm = prepared.vm();
        // Ctrl-C runs shutdown hooks, not finally blocks: the hook stops the vCPUs and frees the VM.
        Thread closeOnShutdown = new Thread(vm::close, "vmm4j-close-vm");
        Runtime.getRuntime().addShutdownHook(closeOnShutdown);
        try {
            vm.start();
            if (operatingSystem) forwardInput(prepared.com1());
            return report(awaitStop(vm), operatingSystem, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("vmm4j run: interrupted while the guest ran");
            return Main.EXIT_INTERRUPTED;
        } finally {
            out.flush();
            closeUnlessShuttingDown(vm, closeOnShutdown);
        }
    }

    /** A guest may run for as long as it likes; there is no time limit. */
    private static StopReason awaitStop(VirtualMachine vm) throws InterruptedException {
        Optional<StopReason> reason;
        do {
            reason = vm.awaitStop(Duration.ofHours(1));
        } while (reason.isEmpty());
        return reason.get();
    }

    /** Standard input to COM1, from a daemon thread that ends with the JVM or the VM. */
    private static void forwardInput(SerialPort com1) {
        Thread forwarder = new Thread(
                () -> {
                    byte[] buffer = new byte[256];
                    try {
                        for (int n; (n = System.in.read(buffer)) > 0; ) com1.sendInput(Arrays.copyOf(buffer, n));
                    } catch (IOException | IllegalStateException closed) {
                        // end of input, or the VM is gone
                    }
                },
                "vmm4j-console-input");
        forwarder.setDaemon(true);
        forwarder.start();
    }

    private static int report(StopReason reason, boolean operatingSystem, PrintStream err) {
        switch (reason.kind()) {
            case HALTED:
                return Main.EXIT_OK;
            case SHUTDOWN:
            case SYSTEM_RESET:
                if (operatingSystem) return Main.EXIT_OK; // powered off or rebooted: how an OS ends
                err.println("vmm4j run: the guest stopped without halting: " + reason);
                return Main.EXIT_FAILURE;
            case STOP_REQUESTED:
                err.println("vmm4j run: stopped before the guest halted");
                return Main.EXIT_INTERRUPTED;
            default:
                err.println("vmm4j run: the guest stopped without halting: " + reason);
                return Main.EXIT_FAILURE;
        }
    }

    // Once the JVM is shutting down the hook owns the VM; closing it here as well would race with it.
    private static void closeUnlessShuttingDown(VirtualMachine vm, Thread closeOnShutdown) {
        try {
            Runtime.getRuntime().removeShutdownHook(closeOnShutdown);
        } catch (IllegalStateException shuttingDown) {
            return;
        }
        vm.close();
    }
}
