package io.vmm4j.sandbox;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.Template;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.sandbox.agent.AgentInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * A sandbox booted once and snapshotted with its agent ready, from which {@link #start()} clones new
 * sandboxes: a restore instead of a boot. Clones share the snapshot's memory file copy-on-write; each
 * gets the host's time and fresh entropy. A {@link SandboxPool} can fill from one ({@code
 * SandboxPool.of(template::start, n)}).
 *
 * <p>The snapshot lives in a temporary directory that {@link #close()} deletes; clones already handed
 * out stay usable (their memory stays mapped) and must be closed on their own.
 */
public final class SandboxTemplate implements AutoCloseable {
    private static final AtomicLong NEXT_ID = new AtomicLong(1);

    private final Sandbox.Builder settings;
    private final Hypervisor ownedHypervisor;
    private final Path directory;
    private final Template template;
    private final AgentInfo agentInfo;
    private final AtomicLong clones = new AtomicLong();
    private boolean closed; // guarded by this

    private SandboxTemplate(
            Sandbox.Builder settings, Hypervisor ownedHypervisor, Path directory, Template template, AgentInfo info) {
        this.settings = settings;
        this.ownedHypervisor = ownedHypervisor;
        this.directory = directory;
        this.template = template;
        this.agentInfo = info;
    }

    /**
     * Boots a sandbox from {@code settings}, waits for its agent, snapshots it paused and closes it.
     *
     * @throws SandboxStartException when the guest does not come up
     */
    public static SandboxTemplate create(Sandbox.Builder settings) {
        Sandbox.Builder own = settings.copy();
        if (own.name() == null) own.name("template-" + NEXT_ID.getAndIncrement());
        Hypervisor ownedHypervisor = own.hypervisor() == null ? Kvm.open() : null;
        Hypervisor hypervisor = ownedHypervisor != null ? ownedHypervisor : own.hypervisor();
        own.hypervisor(hypervisor);
        Path directory = null;
        try {
            directory = Files.createTempDirectory("vmm4j-sandbox-template");
            AgentInfo info;
            try (Sandbox source = own.start()) {
                source.ping(Duration.ofSeconds(30)); // the channel is quiet: every answer has arrived
                info = source.agentInfo();
                VirtualMachine vm = source.vm();
                vm.pause();
                vm.snapshot(directory.resolve("snapshot"));
            }
            Template template = hypervisor.template(directory.resolve("snapshot"));
            SandboxTemplate created = new SandboxTemplate(own, ownedHypervisor, directory, template, info);
            if (!OpenSandboxes.add(created)) {
                created.close();
                throw new SandboxException("the JVM is shutting down: no sandbox template made");
            }
            return created;
        } catch (IOException e) {
            deleteQuietly(directory);
            if (ownedHypervisor != null) ownedHypervisor.close();
            throw new UncheckedIOException("creating a sandbox template's directory", e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(directory);
            if (ownedHypervisor != null) ownedHypervisor.close();
            throw e;
        }
    }

    /** A new sandbox cloned from the snapshot, ready for commands. */
    public Sandbox start() {
        synchronized (this) {
            if (closed) throw new SandboxException("the sandbox template is closed");
        }
        Sandbox.Builder clone = settings.copy();
        clone.name(settings.name() + "-clone-" + clones.incrementAndGet());
        return Sandbox.cloneOf(this, clone);
    }

    Template vmTemplate() {
        return template;
    }

    /** The agent's HELLO, which clones do not repeat: their session goes on from the template's. */
    AgentInfo agentInfo() {
        return agentInfo;
    }

    /** Deletes the snapshot; idempotent. Clones already made keep running (their memory stays mapped). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        OpenSandboxes.remove(this);
        template.close();
        deleteQuietly(directory);
        if (ownedHypervisor != null) ownedHypervisor.close();
    }

    private static void deleteQuietly(Path directory) {
        if (directory == null) return;
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder())
                    .forEach(file -> file.toFile().delete());
        } catch (IOException e) {
            // Only a temporary directory is left behind.
        }
    }
}
