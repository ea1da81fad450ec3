package io.vmm4j.cli;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.HypervisorUnavailableException;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.kvm.Kvm;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/** {@code vmm4j run}: boots a guest with COM1 on standard output and waits for it to stop. */
final class RunCommand implements Command {
    static final int DEFAULT_MEMORY_MIB = 128;
    static final int MAX_MEMORY_MIB = 1 << 20;

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
                + "Options:\n"
                + "  --guest NAME  bundled guest to boot: " + StandaloneGuest.names() + " (default hello)\n"
                + "  --mem MiB     guest memory in MiB (default " + DEFAULT_MEMORY_MIB + ")\n"
                + "  -h, --help    show this help\n"
                + "\n"
                + "Exit status: 0 when the guest halts, 1 when it stops otherwise or cannot start,\n"
                + "2 on a bad command line, 130 when interrupted.\n";
    }

    @Override
    public int run(Arguments args, PrintStream out, PrintStream err) throws UsageException {
        StandaloneGuest guest = StandaloneGuest.HELLO;
        int memoryMiB = DEFAULT_MEMORY_MIB;
        while (args.hasNext()) {
            String option = args.nextOption();
            switch (option) {
                case "-h", "--help" -> {
                    args.noValue(option);
                    out.print(usage());
                    return Main.EXIT_OK;
                }
                case "--guest" -> guest = standaloneGuest(args.value(option));
                case "--mem" -> memoryMiB = Arguments.intInRange(option, args.value(option), 1, MAX_MEMORY_MIB);
                default -> throw new UsageException("unknown option " + option);
            }
        }
        return boot(guest, memoryMiB, out, err);
    }

    private static StandaloneGuest standaloneGuest(String name) throws UsageException {
        for (StandaloneGuest guest : StandaloneGuest.values()) {
            if (guest.image.fileName().equals(name)) return guest;
        }
        boolean bundled = Arrays.stream(BundledGuest.values()).anyMatch(g -> g.fileName().equals(name));
        throw new UsageException("--guest " + (bundled ? "'" + name + "' needs devices that run does not attach"
                : "'" + name + "' is not a bundled guest") + "; choose one of " + StandaloneGuest.names());
    }

    private int boot(StandaloneGuest guest, int memoryMiB, PrintStream out, PrintStream err) {
        VirtualMachine vm;
        try (Hypervisor kvm = Kvm.open(kvmDevice)) {
            vm = kvm.createVm(VmConfig.builder().memoryMiB(memoryMiB).build());
        } catch (HypervisorUnavailableException e) {
            err.println("vmm4j run: KVM is unavailable at " + kvmDevice + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        // Ctrl-C runs shutdown hooks, not finally blocks: the hook stops the vCPUs and frees the VM.
        Thread closeOnShutdown = new Thread(vm::close, "vmm4j-close-vm");
        Runtime.getRuntime().addShutdownHook(closeOnShutdown);
        try {
            vm.addSerialPort("com1", 0x3f8, out);
            FlatBinaryBoot.load(vm, guest.image.image());
            guest.entry.accept(vm.createVcpu(0));
            vm.start();
            return report(awaitStop(vm), err);
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

    private static int report(StopReason reason, PrintStream err) {
        switch (reason.kind()) {
            case HALTED:
                return Main.EXIT_OK;
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
