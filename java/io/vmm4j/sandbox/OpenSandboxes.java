package io.vmm4j.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Every sandbox and sandbox template not closed yet, and one JVM shutdown hook, installed with the first, that
 * closes them: no guest outlives its JVM, and no template's snapshot stays on disk, even when the program forgets
 * to close one.
 */
final class OpenSandboxes {
    private static final Logger LOG = LogManager.getLogger(OpenSandboxes.class);
    private static final Set<Sandbox> OPEN = new LinkedHashSet<>();
    private static final Set<SandboxTemplate> TEMPLATES = new LinkedHashSet<>();
    private static boolean hookInstalled;
    private static boolean shuttingDown;

    private OpenSandboxes() {}

    /** Records {@code sandbox}; false when the JVM is already shutting down (the caller must not start). */
    static synchronized boolean add(Sandbox sandbox) {
        if (shuttingDown) return false;
        installHook();
        return OPEN.add(sandbox);
    }

    /** Records {@code template}; false when the JVM is already shutting down. */
    static synchronized boolean add(SandboxTemplate template) {
        if (shuttingDown) return false;
        installHook();
        return TEMPLATES.add(template);
    }

    static synchronized void remove(SandboxTemplate template) {
        TEMPLATES.remove(template);
    }

    private static void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(OpenSandboxes::closeAll, "vmm4j-sandbox-shutdown"));
            hookInstalled = true;
        }
    }

    static synchronized void remove(Sandbox sandbox) {
        OPEN.remove(sandbox);
    }

    /** How many sandboxes are open in this JVM. */
    static synchronized int count() {
        return OPEN.size();
    }

    /** The shutdown hook's line, up to the count: "N sandbox(es) ... left open at JVM shutdown; closed in". */
    static final String CLOSED_AT_SHUTDOWN = "left open at JVM shutdown; closed in";

    private static void closeAll() {
        List<Sandbox> left;
        List<SandboxTemplate> templates;
        synchronized (OpenSandboxes.class) {
            shuttingDown = true;
            left = new ArrayList<>(OPEN);
            templates = new ArrayList<>(TEMPLATES);
        }
        closeSandboxes(left);
        // After the clones: a template's close deletes the snapshot they map (which stays readable while mapped).
        for (SandboxTemplate template : templates) {
            try {
                template.close();
                LOG.warn("a sandbox template was left open at JVM shutdown; closed, its snapshot deleted");
            } catch (RuntimeException e) {
                LOG.warn("closing a sandbox template at JVM shutdown: {}", e.toString());
            }
        }
    }

    private static void closeSandboxes(List<Sandbox> left) {
        if (left.isEmpty()) return;
        long start = System.nanoTime();
        List<String> closed = new ArrayList<>();
        for (Sandbox sandbox : left) {
            try {
                sandbox.close();
                closed.add(sandbox.name());
            } catch (RuntimeException e) {
                LOG.warn("closing {} at JVM shutdown: {}", sandbox, e.toString());
            }
        }
        // A warning: the program forgot them. Logged after close() returned, so the line says they are closed.
        LOG.warn(
                "{} {} left open at JVM shutdown; closed in {} ms: {}",
                closed.size(),
                closed.size() == 1 ? "sandbox was" : "sandboxes were",
                (System.nanoTime() - start) / 1_000_000,
                String.join(", ", closed));
    }
}
