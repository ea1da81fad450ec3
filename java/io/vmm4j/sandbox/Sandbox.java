package io.vmm4j.sandbox;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.arch.x86.PcPlatform;
import io.vmm4j.arch.x86.boot.KernelLoader;
import io.vmm4j.arch.x86.boot.KernelLoader.BzImageMode;
import io.vmm4j.arch.x86.boot.KernelLoader.ParsedKernel;
import io.vmm4j.builder.LinuxVmBuilder;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.sandbox.agent.AgentClient;
import io.vmm4j.sandbox.agent.AgentClosedException;
import io.vmm4j.sandbox.agent.AgentDiedException;
import io.vmm4j.sandbox.agent.AgentInfo;
import io.vmm4j.sandbox.agent.AgentTimeoutException;
import io.vmm4j.sandbox.agent.ExecRequest;
import io.vmm4j.sandbox.agent.ExecResult;
import io.vmm4j.sandbox.agent.Execution;
import io.vmm4j.sandbox.agent.ExitStatus;
import io.vmm4j.sandbox.agent.GuestFile;
import io.vmm4j.sandbox.image.SandboxImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A Linux microVM that runs commands and moves files for the host, through the vmm4j agent in the guest
 * (docs/SANDBOX.md). Built with {@link #builder()}; {@link #close()} ends the VM, and a JVM shutdown hook
 * closes any sandbox left open.
 *
 * <pre>{@code
 * try (Sandbox sandbox = Sandbox.builder().memoryMiB(256).cpus(1).start()) {
 *     ExecResult result = sandbox.exec("uname", "-a");
 * }
 * }</pre>
 *
 * <p>Thread-safe: several commands and transfers may run at once. Failures: {@link SandboxStartException}
 * when the guest does not come up (with the console's last lines), {@link AgentDiedException} when the agent
 * or the guest dies (likewise), {@link io.vmm4j.sandbox.agent.CommandNotFoundException} for a command the guest
 * lacks, {@link SandboxClosedException} after {@link #close()}.
 */
public final class Sandbox implements AutoCloseable {
    /** The virtio-console the agent talks on; the guest sees it as /dev/hvc0. */
    static final String AGENT_CONSOLE = "agent";

    /** Lines of the console given with a failure. */
    static final int CONSOLE_TAIL_LINES = 30;

    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    private static final Map<String, SoftReference<ParsedKernel>> PARSED_KERNELS = new HashMap<>();

    private final String name;
    private final Builder settings;
    private final Map<String, String> env;
    private final ConsoleLog console = new ConsoleLog();
    private final ConsoleChannel channel = new ConsoleChannel();
    private final List<Runnable> closeListeners = new ArrayList<>();
    private Hypervisor ownedHypervisor;
    private VirtualMachine vm;
    private AgentClient client;
    private Thread watcher;
    private volatile boolean closed;

    private Sandbox(Builder settings) {
        this.settings = settings;
        this.name = settings.name != null ? settings.name : "sandbox-" + NEXT_ID.getAndIncrement();
        this.env = Map.copyOf(settings.env);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A clone of {@code template}'s sandbox, with the settings that are not the snapshot's (name, env, timeout). */
    static Sandbox cloneOf(SandboxTemplate template, Builder settings) {
        Sandbox sandbox = new Sandbox(settings.copy());
        try {
            sandbox.cloneFrom(template);
            return sandbox;
        } catch (RuntimeException | Error e) {
            sandbox.close();
            throw e;
        }
    }

    // ---- start

    private void boot() {
        if (!OpenSandboxes.add(this)) throw new SandboxException("the JVM is shutting down: " + name + " not started");
        SandboxImage image = settings.image.get();
        LinuxVmBuilder vmBuilder = LinuxVmBuilder.kernel(image.kernel())
                .parsedKernel(parsedKernel(image.kernel()))
                .commandLine(image.commandLine())
                .vcpus(settings.cpus)
                .memoryMiB(settings.memoryMiB)
                .console(console.sink())
                .virtio(new VirtioDeviceConfig.Console(AGENT_CONSOLE, channel.deviceOutput()))
                .virtio(new VirtioDeviceConfig.Rng("rng"));
        image.initrd().ifPresent(vmBuilder::initrd);
        image.rootDisk().ifPresent(disk -> vmBuilder.virtio(new VirtioDeviceConfig.Block("root", disk, false)));
        vmBuilder.checkInputs(); // a bad image is reported before /dev/kvm is opened
        Hypervisor hypervisor = settings.hypervisor;
        if (hypervisor == null) hypervisor = ownedHypervisor = Kvm.open();
        vm = vmBuilder.build(hypervisor).vm();
        channel.connect(vm.virtioConsole(AGENT_CONSOLE));
        client = AgentClient.start(channel.input(), channel.output(), name);
        vm.start();
        watch();
        try {
            client.awaitReady(settings.startTimeout);
        } catch (AgentTimeoutException e) {
            throw new SandboxStartException(
                    name + ": the guest agent was not ready within " + settings.startTimeout.toSeconds() + " s",
                    console.failureTail(CONSOLE_TAIL_LINES),
                    e);
        } catch (AgentDiedException e) {
            throw new SandboxStartException(
                    name + ": the guest stopped before its agent was ready (" + stopReason() + ")",
                    console.failureTail(CONSOLE_TAIL_LINES),
                    e);
        }
        client.setClock(Instant.now()); // the RTC gives whole seconds only
    }

    /**
     * Starts as a clone of {@code template}'s snapshot: its agent's session goes on where the template's
     * was, so the agent is asked for a PONG instead of a HELLO; then the clock is set (kvmclock has moved
     * on, but only the agent can give sub-second time) and the guest's RNG reseeded, since every clone
     * starts with the template's.
     */
    private void cloneFrom(SandboxTemplate template) {
        if (!OpenSandboxes.add(this)) throw new SandboxException("the JVM is shutting down: " + name + " not started");
        vm = template.vmTemplate()
                .newVm(RestoreOptions.builder()
                        .output(PcPlatform.CONSOLE, console.sink())
                        .output(AGENT_CONSOLE, channel.deviceOutput())
                        .build());
        channel.connect(vm.virtioConsole(AGENT_CONSOLE));
        client = AgentClient.resume(channel.input(), channel.output(), name, template.agentInfo());
        watch();
        try {
            client.ping(settings.startTimeout);
        } catch (AgentTimeoutException | AgentDiedException e) {
            throw new SandboxStartException(
                    name + ": the clone's agent did not answer within " + settings.startTimeout.toSeconds() + " s ("
                            + stopReason() + ")",
                    console.failureTail(CONSOLE_TAIL_LINES),
                    e);
        }
        // Before any command: until then the guest hands out what every clone of the template would.
        client.reseed();
        client.setClock(Instant.now());
    }

    /** Starts the thread that tells every pending call when the VM stops by itself. */
    private void watch() {
        watcher = new Thread(this::awaitVmStop, "vmm4j-" + name + "-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** The decompressed kernel, shared by the sandboxes booted from one file while memory allows. */
    private static ParsedKernel parsedKernel(Path kernel) {
        String key;
        try {
            key = kernel.toRealPath() + ":" + Files.size(kernel) + ":" + Files.getLastModifiedTime(kernel);
        } catch (IOException e) {
            throw new SandboxException("cannot read the sandbox kernel " + kernel + ": " + e.getMessage(), e);
        }
        synchronized (PARSED_KERNELS) {
            SoftReference<ParsedKernel> cached = PARSED_KERNELS.get(key);
            ParsedKernel parsed = cached == null ? null : cached.get();
            if (parsed == null) {
                parsed = KernelLoader.parse(kernel, BzImageMode.DECOMPRESS_ON_HOST);
                PARSED_KERNELS.put(key, new SoftReference<>(parsed));
            }
            return parsed;
        }
    }

    /** Waits for the VM to stop; if nobody closed the sandbox, the agent is dead, and every call is told so. */
    private void awaitVmStop() {
        Optional<StopReason> reason = Optional.empty();
        try {
            while (reason.isEmpty()) reason = vm.awaitStop(Duration.ofHours(1));
        } catch (InterruptedException e) {
            return; // close() interrupts it
        }
        if (!closed) {
            client.agentDied(name + ": the guest stopped (" + reason.get() + ") and its agent with it; the console's"
                    + " last lines:\n" + console.failureTail(CONSOLE_TAIL_LINES));
        }
        channel.close();
        console.end();
    }

    private String stopReason() {
        return vm.stopReason().map(StopReason::toString).orElse("still running");
    }

    // ---- commands

    /** Runs {@code argv} (argv[0] looked up on the guest's PATH) to its end, with the sandbox's environment. */
    public ExecResult exec(String... argv) {
        return exec(ExecRequest.of(argv));
    }

    /** Runs a command to its end and collects its output. */
    public ExecResult exec(ExecRequest request) {
        return call(() -> client.exec(withEnv(request)));
    }

    /** Runs a command to its end, writing stdout and stderr to the sinks as they come, on this thread. */
    public ExitStatus exec(ExecRequest request, OutputStream stdout, OutputStream stderr) {
        return call(() -> client.exec(withEnv(request), stdout, stderr));
    }

    /** Starts a command and returns at once; wait for it, stream its output, or signal it through the result. */
    public Execution start(ExecRequest request) {
        return call(() -> client.start(withEnv(request)));
    }

    /** The sandbox's environment under the request's own. */
    private ExecRequest withEnv(ExecRequest request) {
        if (env.isEmpty()) return request;
        ExecRequest.Builder builder = request.toBuilder();
        env.forEach((variable, value) -> {
            if (!request.env().containsKey(variable)) builder.env(variable, value);
        });
        return builder.build();
    }

    // ---- files

    /** Copies a host file or directory tree into the guest, with permission bits; files are streamed. */
    public void copyFileTo(Path hostPath, String guestPath) {
        call(() -> {
            client.copyTo(hostPath, guestPath);
            return null;
        });
    }

    /** Copies a guest file or directory tree to the host, with permission bits; files are streamed. */
    public void copyFileFrom(String guestPath, Path hostPath) {
        call(() -> {
            client.copyFrom(guestPath, hostPath);
            return null;
        });
    }

    /** Writes {@code content}, to its end, to a guest file created or truncated with {@code mode}. */
    public void writeFile(String guestPath, InputStream content, int mode) {
        call(() -> {
            client.putFile(content, guestPath, mode);
            return null;
        });
    }

    /** Streams a guest file into {@code sink}. */
    public GuestFile readFile(String guestPath, OutputStream sink) {
        return call(() -> client.getFile(guestPath, sink));
    }

    public GuestFile stat(String guestPath) {
        return call(() -> client.stat(guestPath));
    }

    public List<GuestFile> list(String guestDirectory) {
        return call(() -> client.list(guestDirectory));
    }

    public void mkdirs(String guestPath, int mode) {
        call(() -> {
            client.mkdirs(guestPath, mode);
            return null;
        });
    }

    // ---- state

    public String name() {
        return name;
    }

    /** The guest's serial console: the kernel's log and init's messages. */
    public ConsoleLog console() {
        return console;
    }

    /** What the agent reported when it came up. */
    public AgentInfo agentInfo() {
        return call(() -> client.info());
    }

    /** Whether the sandbox can still run commands: not closed, its VM running and its agent answering. */
    public boolean isAlive() {
        return !closed && client != null && client.isOpen() && vm.stopReason().isEmpty();
    }

    /** A round trip through the agent. */
    public Duration ping(Duration timeout) {
        return call(() -> client.ping(timeout));
    }

    /** The VM, for what the sandbox API does not cover (pause, snapshots); closing it closes the sandbox's guest. */
    public VirtualMachine vm() {
        return call(() -> vm);
    }

    private <T> T call(Supplier<T> action) {
        if (closed) throw new SandboxClosedException(name);
        try {
            return action.get();
        } catch (AgentClosedException e) {
            if (closed) throw new SandboxClosedException(name);
            throw e;
        } catch (AgentDiedException e) {
            if (closed) throw new SandboxClosedException(name);
            throw e;
        }
    }

    /** Runs {@code listener} once the sandbox is closed (at once if it is). */
    void onClose(Runnable listener) {
        synchronized (closeListeners) {
            if (!closed) {
                closeListeners.add(listener);
                return;
            }
        }
        listener.run();
    }

    /** Stops the guest and frees everything it held. Idempotent; calls in progress get {@link SandboxClosedException}. */
    @Override
    public void close() {
        List<Runnable> listeners;
        synchronized (closeListeners) {
            if (closed) return;
            closed = true;
            listeners = List.copyOf(closeListeners);
            closeListeners.clear();
        }
        try {
            channel.close();
            if (client != null) client.close();
            if (watcher != null) watcher.interrupt();
            if (vm != null) vm.close();
            if (watcher != null) watcher.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            console.end();
            if (ownedHypervisor != null) ownedHypervisor.close();
            OpenSandboxes.remove(this);
            listeners.forEach(Runnable::run);
        }
    }

    @Override
    public String toString() {
        return "Sandbox[" + name + (closed ? ", closed]" : "]");
    }

    /** How to start a {@link Sandbox}. */
    public static final class Builder {
        private long memoryMiB = 256;
        private int cpus = 1;
        private final Map<String, String> env = new LinkedHashMap<>();
        private Supplier<SandboxImage> image = SandboxImage::defaultImage;
        private Duration startTimeout = Duration.ofMinutes(3);
        private Hypervisor hypervisor;
        private String name;

        private Builder() {}

        public Builder memoryMiB(long mebibytes) {
            if (mebibytes < 64) throw new IllegalArgumentException("a sandbox needs at least 64 MiB, not " + mebibytes);
            this.memoryMiB = mebibytes;
            return this;
        }

        public Builder cpus(int count) {
            if (count < 1) throw new IllegalArgumentException("a sandbox needs at least one vCPU, not " + count);
            this.cpus = count;
            return this;
        }

        /** An environment variable for every command, under each command's own. */
        public Builder env(String variable, String value) {
            if (variable.isEmpty() || variable.indexOf('=') >= 0)
                throw new IllegalArgumentException("not an environment variable name: \"" + variable + "\"");
            env.put(variable, Objects.requireNonNull(value, variable));
            return this;
        }

        public Builder env(Map<String, String> variables) {
            variables.forEach(this::env);
            return this;
        }

        /** What to boot; by default {@link SandboxImage#defaultImage()}, prepared by {@code vmm4j sandbox image}. */
        public Builder image(SandboxImage image) {
            Objects.requireNonNull(image, "image");
            this.image = () -> image;
            return this;
        }

        /** How long the guest has to boot and its agent to say it is ready; 3 minutes by default. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The hypervisor to create the VM in (the caller keeps and closes it); by default each sandbox opens KVM. */
        public Builder hypervisor(Hypervisor hypervisor) {
            this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
            return this;
        }

        /** The sandbox's name, in thread names and messages; {@code sandbox-N} by default. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Boots the guest and waits for its agent.
         *
         * @throws SandboxStartException when the guest does not come up, with the console's last lines
         */
        public Sandbox start() {
            Sandbox sandbox = new Sandbox(copy());
            try {
                sandbox.boot();
                return sandbox;
            } catch (RuntimeException | Error e) {
                sandbox.close();
                throw e;
            }
        }

        /** The name the caller gave, or null. */
        String name() {
            return name;
        }

        /** The hypervisor the caller gave, or null when each sandbox opens KVM. */
        Hypervisor hypervisor() {
            return hypervisor;
        }

        /** A snapshot of the settings, so a builder reused by a pool can change without affecting a start in progress. */
        Builder copy() {
            Builder copy = new Builder();
            copy.memoryMiB = memoryMiB;
            copy.cpus = cpus;
            copy.env.putAll(env);
            copy.image = image;
            copy.startTimeout = startTimeout;
            copy.hypervisor = hypervisor;
            copy.name = name;
            return copy;
        }
    }
}
