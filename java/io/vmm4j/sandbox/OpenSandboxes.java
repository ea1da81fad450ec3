package io.vmm4j.sandbox;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Every sandbox not closed yet, and one JVM shutdown hook, installed with the first, that closes them:
 * no guest outlives its JVM, even when the program forgets to close one.
 */
final class OpenSandboxes {
    private static final Logger LOG = LogManager.getLogger(OpenSandboxes.class);
    private static final Set<Sandbox> OPEN = new LinkedHashSet<>();
    private static boolean hookInstalled;
    private static boolean shuttingDown;

    private OpenSandboxes() {}

    /** Records {@code sandbox}; false when the JVM is already shutting down (the caller must not start). */
    static synchronized boolean add(Sandbox sandbox) {
        if (shuttingDown) return false;
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(OpenSandboxes::closeAll, "vmm4j-sandbox-shutdown"));
            hookInstalled = true;
        }
        return OPEN.add(sandbox);
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
        synchronized (OpenSandboxes.class) {
            shuttingDown = true;
            left = new ArrayList<>(OPEN);
        }
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
