package io.vmm4j.cli;

import io.vmm4j.api.VmmException;
import io.vmm4j.cli.command.Arguments;
import io.vmm4j.cli.command.Command;
import io.vmm4j.cli.command.UsageException;
import io.vmm4j.cli.qemu.QemuCommand;
import io.vmm4j.kvm.Kvm;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code vmm4j} command line: {@code vmm4j COMMAND [options]}. */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_INTERRUPTED = 128 + 2; // SIGINT, as a shell reports it

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, Command> commands = new LinkedHashMap<>();

    Main(PrintStream out, PrintStream err, Path kvmDevice) {
        this(out, err, kvmDevice, System.in);
    }

    /** With {@code stdin} as the standard input that {@code sandbox exec --stdin} and {@code sandbox shell} read. */
    Main(PrintStream out, PrintStream err, Path kvmDevice, InputStream stdin) {
        this.out = out;
        this.err = err;
        for (Command command :
                List.of(new RunCommand(kvmDevice), new QemuCommand(kvmDevice), new SandboxCommand(kvmDevice, stdin))) {
            commands.put(command.name(), command);
        }
    }

    public static void main(String[] args) {
        configureLogging();
        System.exit(new Main(System.out, System.err, Kvm.DEFAULT_DEVICE).run(args));
    }

    /**
     * The library leaves logging to its users; the CLI is one, and logs warnings to stderr, one line
     * each, so that standard output carries nothing but the guest's console. It uses log4j-api's simple
     * logger rather than log4j-core: core looks up the host's name while it starts, and prints an error
     * with a stack trace when that name does not resolve (as in a VM without network). A user's own
     * {@code -Dlog4j2.configurationFile} or {@code -Dlog4j.provider} is left alone.
     */
    static void configureLogging() {
        if (System.getProperty("log4j2.configurationFile") != null || System.getProperty("log4j.provider") != null) {
            return;
        }
        System.setProperty("log4j.provider", "org.apache.logging.log4j.simple.internal.SimpleProvider");
        System.setProperty("log4j2.simplelogLevel", "WARN");
        System.setProperty("log4j2.simplelogLogFile", "system.err");
        System.setProperty("log4j2.simplelogShowDateTime", "false");
        System.setProperty("log4j2.simplelogShowShortLogName", "true");
    }

    /** Runs one command line and returns its exit status; never calls {@link System#exit}. */
    int run(String... args) {
        if (args.length == 0) {
            err.print(usage());
            return EXIT_USAGE;
        }
        String name = args[0];
        if (name.equals("-h") || name.equals("--help") || name.equals("help")) {
            out.print(usage());
            return EXIT_OK;
        }
        Command command = commands.get(name);
        if (command == null) {
            err.println("vmm4j: unknown command '" + name + "'");
            err.println("Try 'vmm4j --help'.");
            return EXIT_USAGE;
        }
        try {
            return command.run(new Arguments(Arrays.asList(args).subList(1, args.length)), out, err);
        } catch (UsageException e) {
            err.println("vmm4j " + name + ": " + e.getMessage());
            err.println("Try 'vmm4j " + name + " --help'.");
            return EXIT_USAGE;
        } catch (VmmException e) {
            err.println("vmm4j " + name + ": " + e.getMessage());
            return EXIT_FAILURE;
        }
    }

    private String usage() {
        StringBuilder text = new StringBuilder("Usage: vmm4j COMMAND [options]\n\nCommands:\n");
        commands.values().forEach(c -> text.append(String.format("  %-8s%s\n", c.name(), c.summary())));
        return text.append("\nRun 'vmm4j COMMAND --help' for a command's options.\n")
                .toString();
    }
}
