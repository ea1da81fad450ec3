package io.vmm4j.cli;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.HypervisorUnavailableException;
import io.vmm4j.cli.command.Arguments;
import io.vmm4j.cli.command.Command;
import io.vmm4j.cli.command.UsageException;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.sandbox.Sandbox;
import io.vmm4j.sandbox.SandboxException;
import io.vmm4j.sandbox.agent.AgentException;
import io.vmm4j.sandbox.agent.CommandNotFoundException;
import io.vmm4j.sandbox.agent.ExecRequest;
import io.vmm4j.sandbox.agent.ExitStatus;
import io.vmm4j.sandbox.image.DefaultImage;
import io.vmm4j.sandbox.image.SandboxImage;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vmm4j sandbox image|exec|shell}: prepares the default sandbox image, runs one command in a fresh
 * sandbox, or gives a shell in one (docs/SANDBOX.md).
 */
final class SandboxCommand implements Command {
    /** What a shell reports for a command it cannot find. */
    static final int EXIT_COMMAND_NOT_FOUND = 127;

    private final Path kvmDevice;
    private final InputStream stdin;

    SandboxCommand(Path kvmDevice, InputStream stdin) {
        this.kvmDevice = kvmDevice;
        this.stdin = stdin;
    }

    @Override
    public String name() {
        return "sandbox";
    }

    @Override
    public String summary() {
        return "prepare the default Linux sandbox image, run a command or a shell in a sandbox";
    }

    @Override
    public String usage() {
        return "Usage: vmm4j sandbox image [--cache DIR]\n"
                + "       vmm4j sandbox exec [options] -- COMMAND [ARG...]\n"
                + "       vmm4j sandbox shell [options]\n"
                + "\n"
                + "image  fetches Debian's cloud kernel and busybox-static with apt-get download and assembles the\n"
                + "       default image (with the vmm4j agent) in the cache: a Debian host with network access.\n"
                + "exec   boots a sandbox from that image (no network needed), runs COMMAND in it, prints its\n"
                + "       output and exits with its exit status (127: command not found).\n"
                + "shell  boots a sandbox and runs an interactive sh in it, on standard input and output.\n"
                + "\n"
                + "Options:\n"
                + "  --cache DIR      the image cache (default: $VMM4J_CACHE, else ~/.cache/vmm4j)\n"
                + "  --mem MiB        guest memory (default 256)\n"
                + "  --cpus N         vCPUs (default 1)\n"
                + "  --env NAME=VALUE an environment variable for the command; repeatable\n"
                + "  --cwd DIR        the command's working directory in the guest\n"
                + "  --timeout SECS   exec only: kill the command's process tree after SECS seconds\n"
                + "  --stdin          exec only: feed standard input to the command (else it reads /dev/null)\n"
                + "  --console        print the guest's boot log (its serial console) to standard error\n"
                + "  -h, --help       show this help\n";
    }

    @Override
    public int run(Arguments args, PrintStream out, PrintStream err) throws UsageException {
        if (!args.hasNext()) throw new UsageException("which: image, exec or shell?");
        String action = args.next();
        if (action.equals("-h") || action.equals("--help")) {
            out.print(usage());
            return Main.EXIT_OK;
        }
        if (!List.of("image", "exec", "shell").contains(action)) {
            throw new UsageException("unknown action '" + action + "': image, exec or shell");
        }
        Path cache = null;
        int memoryMiB = 256;
        int cpus = 1;
        List<String> env = new ArrayList<>();
        String cwd = null;
        Integer timeoutSeconds = null;
        boolean forwardStdin = false;
        boolean showConsole = false;
        List<String> command = new ArrayList<>();
        while (args.hasNext()) {
            String option = args.nextOption();
            switch (option) {
                case "-h", "--help" -> {
                    args.noValue(option);
                    out.print(usage());
                    return Main.EXIT_OK;
                }
                case "--" -> {
                    while (args.hasNext()) command.add(args.next());
                }
                case "--cache" -> cache = Path.of(args.value(option));
                case "--mem" ->
                    memoryMiB = Arguments.intInRange(option, args.value(option), 64, RunCommand.MAX_MEMORY_MIB);
                case "--cpus" -> cpus = Arguments.intInRange(option, args.value(option), 1, RunCommand.MAX_CPUS);
                case "--env" -> {
                    String entry = args.value(option);
                    if (entry.indexOf('=') <= 0)
                        throw new UsageException("--env takes NAME=VALUE, was '" + entry + "'");
                    env.add(entry);
                }
                case "--cwd" -> cwd = args.value(option);
                case "--timeout" -> timeoutSeconds = Arguments.intInRange(option, args.value(option), 1, 1_000_000);
                case "--stdin" -> {
                    args.noValue(option);
                    forwardStdin = true;
                }
                case "--console" -> {
                    args.noValue(option);
                    showConsole = true;
                }
                default -> throw new UsageException("unknown option " + option);
            }
        }
        if (action.equals("image")) return prepareImage(cache, out, err);
        if (action.equals("exec") && command.isEmpty()) throw new UsageException("exec needs -- COMMAND [ARG...]");
        if (action.equals("shell") && !command.isEmpty()) throw new UsageException("shell takes no command");
        if (action.equals("shell")) {
            command = List.of("sh", "-i");
            forwardStdin = true;
        }
        ExecRequest.Builder request = ExecRequest.builder(command);
        for (String entry : env) {
            int equals = entry.indexOf('=');
            request.env(entry.substring(0, equals), entry.substring(equals + 1));
        }
        if (cwd != null) request.cwd(cwd);
        if (timeoutSeconds != null) request.timeout(Duration.ofSeconds(timeoutSeconds));
        if (forwardStdin) request.stdin(stdin);
        SandboxImage image;
        try {
            image = cache == null ? DefaultImage.load() : DefaultImage.load(cache);
        } catch (IllegalStateException e) {
            err.println("vmm4j sandbox: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        return runInSandbox(image, memoryMiB, cpus, request.build(), showConsole, out, err);
    }

    private static int prepareImage(Path cache, PrintStream out, PrintStream err) {
        try {
            SandboxImage image = cache == null ? DefaultImage.prepare() : DefaultImage.prepare(cache);
            out.println("kernel: " + image.kernel());
            out.println("initramfs: " + image.initrd().orElseThrow());
            return Main.EXIT_OK;
        } catch (IllegalStateException e) {
            err.println("vmm4j sandbox image: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
    }

    private int runInSandbox(
            SandboxImage image,
            int memoryMiB,
            int cpus,
            ExecRequest request,
            boolean showConsole,
            PrintStream out,
            PrintStream err) {
        try (Hypervisor kvm = Kvm.open(kvmDevice);
                Sandbox sandbox = Sandbox.builder()
                        .hypervisor(kvm)
                        .image(image)
                        .memoryMiB(memoryMiB)
                        .cpus(cpus)
                        .start()) {
            if (showConsole) err.print(sandbox.console().text());
            ExitStatus status = sandbox.exec(request, out, err);
            out.flush();
            if (status.timedOut()) err.println("vmm4j sandbox: the command ran past its timeout and was killed");
            return status.exitCode();
        } catch (HypervisorUnavailableException e) {
            err.println("vmm4j sandbox: KVM is unavailable at " + kvmDevice + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (CommandNotFoundException e) {
            err.println("vmm4j sandbox: " + e.getMessage());
            return EXIT_COMMAND_NOT_FOUND;
        } catch (SandboxException | AgentException e) {
            err.println("vmm4j sandbox: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
    }
}
