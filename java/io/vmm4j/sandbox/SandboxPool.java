package io.vmm4j.sandbox;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Keeps {@code size} sandboxes started and ready, hands one out at once with {@link #take()}, and makes a
 * replacement on a background thread. Closing the pool closes every sandbox it made, the ones handed out
 * included; a sandbox closed by its user is simply forgotten.
 *
 * <p>Sandboxes come from a {@link SandboxFactory}: a {@link Sandbox.Builder} boots each one; a factory
 * that clones a snapshot template makes refilling cheaper without changing anything here.
 */
public final class SandboxPool implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(SandboxPool.class);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration LAST_RETRY = Duration.ofSeconds(30);

    private final SandboxFactory factory;
    private final int size;
    private final ArrayDeque<Sandbox> warm = new ArrayDeque<>();
    private final Set<Sandbox> made = new LinkedHashSet<>();
    private final Thread refiller;
    private RuntimeException lastFailure;
    private long handedOut;
    private long created;
    private boolean closed;

    private SandboxPool(SandboxFactory factory, int size) {
        if (size < 1) throw new IllegalArgumentException("a pool keeps at least one sandbox, not " + size);
        this.factory = Objects.requireNonNull(factory, "factory");
        this.size = size;
        this.refiller = new Thread(this::refill, "vmm4j-sandbox-pool");
        refiller.setDaemon(true);
        refiller.start();
    }

    /** A pool of {@code size} sandboxes from {@code factory}; it starts filling at once. */
    public static SandboxPool of(SandboxFactory factory, int size) {
        return new SandboxPool(factory, size);
    }

    /** A pool of {@code size} sandboxes booted by {@code builder}; it starts filling at once. */
    public static SandboxPool of(Sandbox.Builder builder, int size) {
        return of(builder::start, size);
    }

    /** {@link #take(Duration)}, waiting as long as it takes to boot one. */
    public Sandbox take() throws InterruptedException {
        return take(Duration.ofDays(1));
    }

    /**
     * A ready sandbox, at once when one is warm, else once the background thread has made one. The
     * caller owns it and closes it (the pool also closes it when the pool closes).
     *
     * @throws SandboxException when none is ready within {@code timeout}, or with the failure of the
     *     last attempt to make one when none is warm
     * @throws SandboxClosedException when the pool is closed
     */
    public synchronized Sandbox take(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (closed) throw new SandboxClosedException("the sandbox pool");
            Sandbox sandbox = warm.poll();
            if (sandbox != null) {
                notifyAll(); // the refiller makes its replacement
                if (!sandbox.isAlive()) {
                    LOG.warn("{} died while warm in the pool; closing it", sandbox);
                    sandbox.close();
                    continue;
                }
                handedOut++;
                return sandbox;
            }
            if (lastFailure != null)
                throw new SandboxException("the pool cannot make a sandbox: " + lastFailure.getMessage(), lastFailure);
            long left = deadline - System.nanoTime();
            if (left <= 0) throw new SandboxException("no sandbox was ready within " + timeout);
            wait(Math.max(1, left / 1_000_000));
        }
    }

    /** How many sandboxes are ready to be handed out now. */
    public synchronized int warmCount() {
        return warm.size();
    }

    /** How many sandboxes the pool has made, and how many it has handed out, so far. */
    public synchronized long createdCount() {
        return created;
    }

    public synchronized long handedOutCount() {
        return handedOut;
    }

    /** Waits until {@code size} sandboxes are warm; false on timeout. */
    public synchronized boolean awaitWarm(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (warm.size() < size && !closed) {
            if (lastFailure != null) throw new SandboxException(lastFailure.getMessage(), lastFailure);
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return warm.size() >= size;
    }

    /** Stops refilling and closes every sandbox the pool made and that is still open. */
    @Override
    public void close() {
        List<Sandbox> toClose;
        synchronized (this) {
            if (closed) return;
            closed = true;
            notifyAll();
        }
        refiller.interrupt();
        try {
            refiller.join(Duration.ofMinutes(5).toMillis()); // it may be in the middle of a boot
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            toClose = new ArrayList<>(made);
            made.clear();
            warm.clear();
        }
        for (Sandbox sandbox : toClose) sandbox.close();
    }

    private void refill() {
        Duration retry = FIRST_RETRY;
        while (true) {
            synchronized (this) {
                try {
                    while (!closed && warm.size() >= size) wait();
                } catch (InterruptedException e) {
                    if (!closed) LOG.warn("the pool's refill thread was interrupted; it stops");
                    return;
                }
                if (closed) return;
            }
            Sandbox sandbox;
            try {
                sandbox = factory.create();
            } catch (RuntimeException e) {
                synchronized (this) {
                    lastFailure = e;
                    notifyAll();
                    if (closed) return;
                    try {
                        wait(retry.toMillis());
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
                retry = retry.multipliedBy(2).compareTo(LAST_RETRY) > 0 ? LAST_RETRY : retry.multipliedBy(2);
                continue;
            }
            retry = FIRST_RETRY;
            boolean keep;
            synchronized (this) {
                keep = !closed;
                if (keep) {
                    created++;
                    lastFailure = null;
                    warm.add(sandbox);
                    made.add(sandbox);
                    sandbox.onClose(() -> forget(sandbox));
                    notifyAll();
                }
            }
            if (!keep) {
                sandbox.close();
                return;
            }
        }
    }

    private synchronized void forget(Sandbox sandbox) {
        made.remove(sandbox);
        warm.remove(sandbox);
        notifyAll();
    }

    @Override
    public synchronized String toString() {
        return "SandboxPool[size " + size + ", warm " + warm.size() + ", made " + created + ", handed out " + handedOut
                + (closed ? ", closed]" : "]");
    }
}
