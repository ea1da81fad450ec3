package io.vmm4j.sandbox.agent;

import io.vmm4j.sandbox.agent.wire.FrameType;
import io.vmm4j.sandbox.agent.wire.MalformedFrameException;
import io.vmm4j.sandbox.agent.wire.Protocol;
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.Set;

/**
 * One stream's state on the host: the events the reader thread delivered and one consumer takes, the bytes the
 * agent may still send (checked, so a misbehaving agent cannot make the host buffer more than one window), and
 * the credit the host has to send.
 */
final class AgentStream {
    /** What the agent may send on a stream, by the request that opened it. */
    enum Kind {
        EXEC(FrameType.STARTED, FrameType.STDOUT, FrameType.STDERR, FrameType.EXIT),
        PUT(FrameType.OK),
        GET(FrameType.INFO, FrameType.DATA, FrameType.END),
        LIST(FrameType.DATA, FrameType.END),
        STAT(FrameType.INFO),
        SIMPLE(FrameType.OK);

        private final Set<FrameType> replies;

        Kind(FrameType first, FrameType... rest) {
            this.replies = EnumSet.of(first, rest);
            replies.add(FrameType.ERROR);
        }

        boolean allows(FrameType type) {
            return replies.contains(type);
        }
    }

    final int id;
    final Kind kind;
    private final ArrayDeque<StreamEvent> events = new ArrayDeque<>();
    private long unacknowledged;
    private long sendCredit = Protocol.INITIAL_WINDOW;
    private boolean started;
    private boolean finished;
    private AgentException failure;

    AgentStream(int id, Kind kind) {
        this.id = id;
        this.kind = kind;
    }

    /** Reader thread: queue one event after checking it against the protocol. */
    synchronized void deliver(StreamEvent event) throws MalformedFrameException {
        if (finished) throw new MalformedFrameException("stream " + id + " got a frame after its final reply");
        if (kind == Kind.EXEC
                && !started
                && !(event instanceof StreamEvent.Started || event instanceof StreamEvent.Error)) {
            throw new MalformedFrameException("exec stream " + id + " got output before STARTED");
        }
        if (event instanceof StreamEvent.Started) {
            if (started) throw new MalformedFrameException("exec stream " + id + " got a second STARTED");
            started = true;
        }
        if (event instanceof StreamEvent.Data data) {
            unacknowledged += data.bytes().length;
            if (unacknowledged > Protocol.INITIAL_WINDOW) {
                throw new MalformedFrameException("the agent overran the window of stream " + id + " (" + unacknowledged
                        + " bytes unacknowledged, window " + Protocol.INITIAL_WINDOW + ")");
            }
        }
        finished = event.isFinal();
        events.add(event);
        notifyAll();
    }

    /** Reader thread: the agent granted credit for host-to-agent data. */
    synchronized void credit(long bytes) throws MalformedFrameException {
        sendCredit += bytes;
        if (sendCredit > Protocol.INITIAL_WINDOW) {
            throw new MalformedFrameException("the agent granted stream " + id + " more credit than its window");
        }
        notifyAll();
    }

    synchronized void fail(AgentException cause) {
        if (failure == null) failure = cause;
        notifyAll();
    }

    /**
     * The consumer: the next event, waiting for it. Events that arrived before a failure are still handed out, so an
     * EXIT that came just before the agent died is not lost.
     */
    synchronized StreamEvent take() throws InterruptedException {
        while (events.isEmpty()) {
            if (failure != null) throw AgentClient.rethrow(failure);
            wait();
        }
        return events.poll();
    }

    /** The next event if there is one. */
    synchronized StreamEvent poll() {
        return events.poll();
    }

    /** The consumer acknowledges data it took; returns whether a WINDOW should be sent. */
    synchronized void consumed(int bytes) {
        unacknowledged -= bytes;
    }

    /**
     * A sender: waits for credit, takes up to {@code wanted} bytes of it, and returns how much (0 once the agent has
     * answered the stream finally, so there is nothing more to send).
     */
    synchronized int takeCredit(int wanted) throws InterruptedException {
        while (sendCredit == 0 && !finished) {
            if (failure != null) throw AgentClient.rethrow(failure);
            wait();
        }
        if (failure != null) throw AgentClient.rethrow(failure);
        if (finished) return 0;
        int granted = (int) Math.min(wanted, sendCredit);
        sendCredit -= granted;
        return granted;
    }

    /** Gives back credit taken but not used. */
    synchronized void returnCredit(int bytes) {
        sendCredit += bytes;
    }
}
