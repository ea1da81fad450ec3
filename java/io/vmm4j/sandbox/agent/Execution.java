package io.vmm4j.sandbox.agent;

import io.vmm4j.sandbox.agent.wire.FrameType;
import io.vmm4j.sandbox.agent.wire.PayloadWriter;
import io.vmm4j.sandbox.agent.wire.Protocol;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A command started in the guest. One thread waits for it ({@link #await}), and reads its output as it comes; any
 * thread may signal it. Stdin, if the request has any, is fed by a thread of its own.
 */
public final class Execution {
    private static final int SIGKILL = 9;

    private final AgentClient client;
    private final AgentStream stream;
    private final ExecRequest request;
    private long pid = -1;
    private ExitStatus status;

    Execution(AgentClient client, AgentStream stream, ExecRequest request) {
        this.client = client;
        this.stream = stream;
        this.request = request;
    }

    /**
     * The command's pid in the guest, which is also its process group and session id; waits until it has started.
     *
     * @throws CommandNotFoundException if argv[0] is not on the guest's PATH
     * @throws ExecFailedException if it could not be executed for another reason
     */
    public synchronized long pid() {
        while (pid < 0) {
            StreamEvent event = next();
            if (event instanceof StreamEvent.Started started) {
                pid = started.pid();
            } else {
                throw failed(event);
            }
        }
        return pid;
    }

    /** Sends a signal to the command's whole process group (ignored once it has exited). */
    public void signal(int signal) {
        if (signal <= 0 || signal >= 65) throw new IllegalArgumentException("not a signal number: " + signal);
        client.send(FrameType.SIGNAL, stream.id, new PayloadWriter().u32(signal).toBytes());
    }

    /** SIGKILL to the whole process group. */
    public void kill() {
        signal(SIGKILL);
    }

    /** Waits for the command's end and collects its output. */
    public ExecResult await() {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        ExitStatus exit = await(stdout, stderr);
        return new ExecResult(exit, stdout.toByteArray(), stderr.toByteArray());
    }

    /**
     * Waits for the command's end, writing its output to the sinks on this thread as it comes. If a sink fails, the
     * command is killed and the sink's exception is thrown once it has exited.
     */
    public synchronized ExitStatus await(OutputStream stdout, OutputStream stderr) {
        pid();
        IOException sinkFailure = null;
        while (status == null) {
            StreamEvent event = next();
            if (event instanceof StreamEvent.Data data) {
                try {
                    if (sinkFailure == null) (data.type() == FrameType.STDOUT ? stdout : stderr).write(data.bytes());
                } catch (IOException e) {
                    sinkFailure = e;
                    kill();
                }
                client.acknowledge(stream, data.bytes().length);
            } else if (event instanceof StreamEvent.Exit exit) {
                status = exit.status();
            } else {
                throw failed(event);
            }
        }
        if (sinkFailure != null) {
            throw new UncheckedIOException(
                    "writing the output of " + request + " failed: " + sinkFailure.getMessage(), sinkFailure);
        }
        return status;
    }

    /** A failed chdir to the working directory is the exec's failure too. */
    private AgentException failed(StreamEvent event) {
        if (event instanceof StreamEvent.Error error && error.kind() == Protocol.ERROR_IO) {
            return new ExecFailedException(error.errno(), "exec " + request + ": " + error.message());
        }
        return client.failed(event, "exec " + request);
    }

    private StreamEvent next() {
        try {
            return stream.take();
        } catch (InterruptedException e) {
            // The command would run on unobserved: the agent kills it, and the reader drops what it still sends.
            client.abandon(stream);
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while waiting for " + request + " (killed it)", e);
        }
    }

    void startStdinPump(InputStream stdin) {
        Thread pump = new Thread(() -> pumpStdin(stdin), "vmm4j-agent-stdin-" + stream.id);
        pump.setDaemon(true);
        pump.start();
    }

    /** Feeds stdin within the stream's credit, then STDIN_EOF; stops when the command has ended. */
    private void pumpStdin(InputStream stdin) {
        byte[] buffer = new byte[Protocol.MAX_PAYLOAD];
        try {
            while (true) {
                int credit = stream.takeCredit(buffer.length);
                if (credit == 0) return;
                int n = stdin.read(buffer, 0, credit);
                if (n < 0) {
                    stream.returnCredit(credit);
                    client.send(FrameType.STDIN_EOF, stream.id, new byte[0]);
                    return;
                }
                stream.returnCredit(credit - n);
                client.send(FrameType.STDIN, stream.id, buffer, n);
            }
        } catch (IOException e) {
            // The caller's stream failed: end the command's stdin rather than leave it waiting.
            try {
                client.send(FrameType.STDIN_EOF, stream.id, new byte[0]);
            } catch (AgentException ignored) {
                // the session is gone
            }
        } catch (AgentException | InterruptedException e) {
            // the session ended, or the command did: nothing more to feed
        }
    }
}
