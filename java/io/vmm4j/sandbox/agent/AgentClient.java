package io.vmm4j.sandbox.agent;

import io.vmm4j.sandbox.agent.wire.Frame;
import io.vmm4j.sandbox.agent.wire.FrameReader;
import io.vmm4j.sandbox.agent.wire.FrameType;
import io.vmm4j.sandbox.agent.wire.FrameWriter;
import io.vmm4j.sandbox.agent.wire.MalformedFrameException;
import io.vmm4j.sandbox.agent.wire.PayloadReader;
import io.vmm4j.sandbox.agent.wire.PayloadWriter;
import io.vmm4j.sandbox.agent.wire.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The host side of the guest agent protocol (docs/AGENT-PROTOCOL.md) over one byte stream pair: the agent's output
 * comes in on {@code in}, requests go out on {@code out}. Thread-safe: any number of execs and transfers run at once,
 * each on its own stream. One reader thread demultiplexes the agent's frames; it never writes, and never waits for
 * a consumer, so a slow consumer stalls only its own stream (its window), never the session.
 */
public final class AgentClient implements AutoCloseable {
    private static final int CHUNK = Protocol.MAX_PAYLOAD;
    private static final SecureRandom SEEDS = new SecureRandom();

    private final InputStream in;
    private final OutputStream out;
    private final FrameWriter writer;
    private final Thread reader;
    private final Map<Integer, AgentStream> streams = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Void>> pings = new ConcurrentHashMap<>();
    private final AtomicInteger nextStream = new AtomicInteger(1);
    private final AtomicLong nextPing = new AtomicLong();
    private final CompletableFuture<AgentInfo> hello = new CompletableFuture<>();
    private volatile AgentException failure;

    private AgentClient(InputStream in, OutputStream out, String name) {
        this.in = in;
        this.out = out;
        this.writer = new FrameWriter(out);
        FrameReader frames = new FrameReader(in);
        this.reader = new Thread(() -> readLoop(frames), "vmm4j-agent-reader-" + name);
        reader.setDaemon(true);
    }

    /** A client reading the agent's frames from {@code in} and writing requests to {@code out}; it does not wait. */
    public static AgentClient start(InputStream in, OutputStream out, String name) {
        AgentClient client = new AgentClient(in, out, name);
        client.reader.start();
        return client;
    }

    /**
     * A client for a session that is already open: the agent said HELLO ({@code info}) to another client
     * before, as in a VM cloned from a snapshot taken with no request in flight. Nothing is waited for;
     * {@link #ping} shows whether the agent answers.
     */
    public static AgentClient resume(InputStream in, OutputStream out, String name, AgentInfo info) {
        AgentClient client = new AgentClient(in, out, name);
        client.hello.complete(info);
        client.reader.start();
        return client;
    }

    /** {@link #start} and {@link #awaitReady}; closes the client if the agent does not come up. */
    public static AgentClient connect(InputStream in, OutputStream out, Duration readyTimeout) {
        AgentClient client = start(in, out, "agent");
        try {
            client.awaitReady(readyTimeout);
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Waits for the agent's HELLO: its version, and that it is ready for requests. */
    public AgentInfo awaitReady(Duration timeout) {
        try {
            return hello.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AgentTimeoutException("the agent did not say HELLO within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw rethrow((AgentException) e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while waiting for the agent's HELLO", e);
        }
    }

    /** The agent's HELLO, once it came. */
    public AgentInfo info() {
        return awaitReady(Duration.ZERO);
    }

    /** A round trip through the agent; returns how long it took. */
    public Duration ping(Duration timeout) {
        long id = nextPing.incrementAndGet();
        CompletableFuture<Void> pong = new CompletableFuture<>();
        pings.put(id, pong);
        long start = System.nanoTime();
        try {
            send(FrameType.PING, 0, new PayloadWriter().u64(id).toBytes());
            pong.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return Duration.ofNanos(System.nanoTime() - start);
        } catch (TimeoutException e) {
            throw new AgentTimeoutException("the agent did not answer a PING within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw rethrow((AgentException) e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while waiting for a PONG", e);
        } finally {
            pings.remove(id);
        }
    }

    /** Runs a command to its end and collects its output. */
    public ExecResult exec(ExecRequest request) {
        return start(request).await();
    }

    /** Runs a command to its end, writing its output to the sinks as it comes (on the calling thread). */
    public ExitStatus exec(ExecRequest request, OutputStream stdout, OutputStream stderr) {
        return start(request).await(stdout, stderr);
    }

    /** Starts a command; the caller then waits for it (and reads its output) through the {@link Execution}. */
    public Execution start(ExecRequest request) {
        PayloadWriter payload = new PayloadWriter()
                .u32(request.hasStdin() ? Protocol.EXEC_STDIN_PIPE : 0)
                .u32(request.timeout().map(t -> Math.max(1, t.toMillis())).orElse(0L))
                .u32(request.argv().size())
                .u32(request.env().size());
        request.argv().forEach(payload::string);
        request.env().forEach((name, value) -> payload.string(name + "=" + value));
        payload.string(request.cwd().orElse(""));
        byte[] bytes = payload.toBytes();
        AgentStream stream = open(AgentStream.Kind.EXEC);
        send(FrameType.EXEC, stream.id, bytes);
        Execution execution = new Execution(this, stream, request);
        if (request.hasStdin()) execution.startStdinPump(request.openStdin());
        return execution;
    }

    /** Writes {@code content} (to its end) to a guest file, created or truncated, with {@code mode}. */
    public void putFile(InputStream content, String guestPath, int mode) {
        AgentStream stream = open(AgentStream.Kind.PUT);
        send(
                FrameType.PUT,
                stream.id,
                new PayloadWriter().u32(mode & 07777).rest(guestPath).toBytes());
        byte[] buffer = new byte[CHUNK];
        try {
            while (true) {
                int credit = stream.takeCredit(CHUNK);
                if (credit == 0) break; // the agent answered early: an error
                int n = content.readNBytes(buffer, 0, credit);
                stream.returnCredit(credit - n);
                if (n == 0) {
                    send(FrameType.END, stream.id, new byte[0]);
                    break;
                }
                send(FrameType.DATA, stream.id, buffer, n);
            }
            expectOk(stream, "put " + guestPath);
        } catch (IOException e) {
            abandon(stream);
            throw new UncheckedIOException("reading the content for " + guestPath + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            abandon(stream);
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while writing " + guestPath, e);
        }
    }

    /** Streams a guest file into {@code sink}; returns what the agent reported about it. */
    public GuestFile getFile(String guestPath, OutputStream sink) {
        AgentStream stream = open(AgentStream.Kind.GET);
        send(FrameType.GET, stream.id, new PayloadWriter().rest(guestPath).toBytes());
        GuestFile info = null;
        try {
            while (true) {
                StreamEvent event = stream.take();
                if (event instanceof StreamEvent.Info i) {
                    info = new GuestFile(
                            guestPath,
                            i.file().type(),
                            i.file().mode(),
                            i.file().size());
                } else if (event instanceof StreamEvent.Data data) {
                    try {
                        sink.write(data.bytes());
                    } catch (IOException e) {
                        abandon(stream);
                        throw new UncheckedIOException("writing " + guestPath + " out failed: " + e.getMessage(), e);
                    }
                    acknowledge(stream, data.bytes().length);
                } else if (event instanceof StreamEvent.End) {
                    break;
                } else {
                    throw failed(event, "get " + guestPath);
                }
            }
        } catch (InterruptedException e) {
            abandon(stream);
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while reading " + guestPath, e);
        }
        if (info == null) throw protocolError("the agent sent no INFO before the data of " + guestPath);
        return info;
    }

    /** What the guest path is (following symbolic links). */
    public GuestFile stat(String guestPath) {
        AgentStream stream = open(AgentStream.Kind.STAT);
        send(FrameType.STAT, stream.id, new PayloadWriter().rest(guestPath).toBytes());
        StreamEvent event = takeUninterruptibly(stream, "stat " + guestPath);
        if (event instanceof StreamEvent.Info info) {
            return new GuestFile(
                    guestPath,
                    info.file().type(),
                    info.file().mode(),
                    info.file().size());
        }
        throw failed(event, "stat " + guestPath);
    }

    /** The entries of a guest directory (without . and ..), as lstat reports them. */
    public List<GuestFile> list(String guestDirectory) {
        AgentStream stream = open(AgentStream.Kind.LIST);
        send(FrameType.LIST, stream.id, new PayloadWriter().rest(guestDirectory).toBytes());
        List<GuestFile> entries = new ArrayList<>();
        while (true) {
            StreamEvent event = takeUninterruptibly(stream, "list " + guestDirectory);
            if (event instanceof StreamEvent.End) return entries;
            if (!(event instanceof StreamEvent.Data data)) throw failed(event, "list " + guestDirectory);
            try {
                PayloadReader entry = new PayloadReader(new Frame(FrameType.DATA, stream.id, data.bytes()));
                while (!entry.atEnd()) {
                    GuestFile.Type type = fileType(entry.u8());
                    int mode = (int) entry.u32();
                    long size = entry.u64();
                    entries.add(new GuestFile(entry.string(entry.u16()), type, mode, size));
                }
            } catch (MalformedFrameException e) {
                throw protocolError("a malformed LIST entry for " + guestDirectory + ": " + e.getMessage());
            }
            acknowledge(stream, data.bytes().length);
        }
    }

    /** Creates a guest directory and its missing parents; the last one gets {@code mode}. */
    public void mkdirs(String guestPath, int mode) {
        AgentStream stream = open(AgentStream.Kind.SIMPLE);
        send(
                FrameType.MKDIR,
                stream.id,
                new PayloadWriter().u32(mode & 07777).rest(guestPath).toBytes());
        expectOk(stream, "mkdir " + guestPath);
    }

    /** Sets the guest's CLOCK_REALTIME. */
    public void setClock(Instant now) {
        AgentStream stream = open(AgentStream.Kind.SIMPLE);
        send(
                FrameType.SET_TIME,
                stream.id,
                new PayloadWriter().u64(now.getEpochSecond()).u32(now.getNano()).toBytes());
        expectOk(stream, "set the clock");
    }

    /**
     * Mixes {@code seed} into the guest kernel's entropy pool (credited as entropy) and reseeds its random number
     * generator from it at once. Clones of one snapshot resume with the same RNG state; each must be reseeded with
     * its own seed before anything in it draws random numbers. The caller's array is left as it is; the copy sent is
     * zeroed afterwards.
     *
     * @param seed {@link Protocol#MIN_SEED} to {@link Protocol#MAX_SEED} bytes from a cryptographic RNG
     * @throws IllegalArgumentException for another length, before anything is sent
     * @throws AgentRequestException if the guest refused (its message names the ioctl and errno, e.g. EPERM where the
     *     agent lacks CAP_SYS_ADMIN in the initial user namespace)
     */
    public void reseed(byte[] seed) {
        if (seed.length < Protocol.MIN_SEED || seed.length > Protocol.MAX_SEED) {
            throw new IllegalArgumentException("a seed of " + seed.length + " bytes; RESEED takes " + Protocol.MIN_SEED
                    + " to " + Protocol.MAX_SEED);
        }
        byte[] payload = seed.clone();
        AgentStream stream = open(AgentStream.Kind.SIMPLE);
        try {
            send(FrameType.RESEED, stream.id, payload);
        } finally {
            Arrays.fill(payload, (byte) 0);
        }
        expectOk(stream, "reseed the guest's RNG");
    }

    /** {@link #reseed(byte[])} with {@link Protocol#MIN_SEED} bytes of this JVM's {@link SecureRandom}. */
    public void reseed() {
        byte[] seed = new byte[Protocol.MIN_SEED];
        SEEDS.nextBytes(seed);
        try {
            reseed(seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    /**
     * Copies a host file or directory tree to {@code guestPath}, with its permission bits. Files are streamed, never
     * held in memory. Symbolic links are followed for files and skipped for directories (no cycles).
     */
    public void copyTo(Path hostPath, String guestPath) {
        try {
            if (Files.isDirectory(hostPath, LinkOption.NOFOLLOW_LINKS)) {
                mkdirs(guestPath, mode(hostPath));
                List<Path> children;
                try (Stream<Path> list = Files.list(hostPath)) {
                    children = list.sorted().toList();
                }
                for (Path child : children) {
                    if (Files.isDirectory(child) && Files.isSymbolicLink(child)) continue;
                    copyTo(child, guestPath + "/" + child.getFileName());
                }
            } else {
                try (InputStream content = Files.newInputStream(hostPath)) {
                    putFile(content, guestPath, mode(hostPath));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + hostPath + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Copies a guest file or directory tree to {@code hostPath}, with its permission bits. Symbolic links and special
     * files inside a directory are skipped.
     */
    public void copyFrom(String guestPath, Path hostPath) {
        GuestFile file = stat(guestPath);
        try {
            if (file.type() == GuestFile.Type.DIRECTORY) {
                Files.createDirectories(hostPath);
                for (GuestFile entry : list(guestPath)) {
                    if (entry.type() == GuestFile.Type.FILE || entry.type() == GuestFile.Type.DIRECTORY) {
                        copyFrom(guestPath + "/" + entry.name(), hostPath.resolve(entry.name()));
                    }
                }
            } else {
                try (OutputStream sink = Files.newOutputStream(hostPath)) {
                    getFile(guestPath, sink);
                }
            }
            Files.setPosixFilePermissions(hostPath, permissions(file.mode()));
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + hostPath + " failed: " + e.getMessage(), e);
        }
    }

    /** Whether the session is usable: not closed, and the agent neither died nor broke the protocol. */
    public boolean isOpen() {
        return failure == null;
    }

    /**
     * Ends the session because the agent is known to be gone (for example its VM stopped): every pending and later
     * call throws {@link AgentDiedException} with {@code reason}.
     */
    public void agentDied(String reason) {
        fail(new AgentDiedException(reason));
    }

    /** Ends the session; pending and later calls throw {@link AgentClosedException}. Idempotent. */
    @Override
    public void close() {
        fail(new AgentClosedException("the agent client is closed"));
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- used by Execution

    void send(FrameType type, int stream, byte[] payload) {
        send(type, stream, payload, payload.length);
    }

    void send(FrameType type, int stream, byte[] payload, int length) {
        AgentException failed = failure;
        if (failed != null) throw rethrow(failed);
        try {
            writer.write(type, stream, payload, 0, length);
        } catch (IOException e) {
            fail(new AgentDiedException("writing to the agent failed: " + e.getMessage(), e));
            throw rethrow(failure);
        }
    }

    /** The consumer took {@code bytes} of data: give the agent that much credit back. */
    void acknowledge(AgentStream stream, int bytes) {
        stream.consumed(bytes);
        if (streams.containsKey(stream.id))
            send(FrameType.WINDOW, stream.id, new PayloadWriter().u32(bytes).toBytes());
    }

    /** The stream's consumer gave up: the agent is told to drop it (killing a command), and so is the reader. */
    void abandon(AgentStream stream) {
        if (streams.remove(stream.id) == null) return;
        try {
            send(FrameType.CANCEL, stream.id, new byte[0]);
        } catch (AgentException ignored) {
            // the session is over, and the stream with it
        }
    }

    AgentException failed(StreamEvent event, String what) {
        if (event instanceof StreamEvent.Error error) {
            String message = what + ": " + error.message();
            return switch (error.kind()) {
                case Protocol.ERROR_EXEC ->
                    error.errno() == 2
                            ? new CommandNotFoundException(error.errno(), message)
                            : new ExecFailedException(error.errno(), message);
                case Protocol.ERROR_IO, Protocol.ERROR_LIMIT -> new AgentRequestException(error.errno(), message);
                default -> protocolError("an ERROR of unknown kind " + error.kind() + " for " + what);
            };
        }
        return protocolError("an unexpected " + event + " for " + what);
    }

    // ---- internals

    private AgentStream open(AgentStream.Kind kind) {
        AgentException failed = failure;
        if (failed != null) throw rethrow(failed);
        int id = nextStream.getAndIncrement();
        if (id <= 0) throw new AgentException("this session has used every stream id");
        AgentStream stream = new AgentStream(id, kind);
        streams.put(id, stream);
        if (failure != null) stream.fail(failure); // closed meanwhile: fail(...) may have missed it
        return stream;
    }

    private void expectOk(AgentStream stream, String what) {
        StreamEvent event = takeUninterruptibly(stream, what);
        if (!(event instanceof StreamEvent.Ok)) throw failed(event, what);
    }

    private StreamEvent takeUninterruptibly(AgentStream stream, String what) {
        try {
            return stream.take();
        } catch (InterruptedException e) {
            abandon(stream);
            Thread.currentThread().interrupt();
            throw new AgentException("interrupted while waiting for " + what, e);
        }
    }

    private AgentProtocolException protocolError(String message) {
        AgentProtocolException e = new AgentProtocolException(message);
        fail(e);
        return e;
    }

    private void fail(AgentException cause) {
        synchronized (this) {
            if (failure != null) return;
            failure = cause;
        }
        hello.completeExceptionally(cause);
        pings.values().forEach(p -> p.completeExceptionally(cause));
        streams.values().forEach(s -> s.fail(cause));
        streams.clear();
        try {
            out.close();
        } catch (IOException ignored) {
            // the channel is being abandoned; the first failure is what counts
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // as above
        }
    }

    /** A new exception of the same kind for this caller, with the session's failure as its cause. */
    static AgentException rethrow(AgentException failure) {
        String message = failure.getMessage();
        if (failure instanceof AgentClosedException) return new AgentClosedException(message);
        if (failure instanceof AgentProtocolException) return new AgentProtocolException(message, failure);
        if (failure instanceof AgentDiedException) return new AgentDiedException(message, failure);
        if (failure instanceof AgentTimeoutException) return new AgentTimeoutException(message);
        return new AgentException(message, failure);
    }

    private void readLoop(FrameReader frames) {
        try {
            while (true) {
                Frame frame = frames.read();
                if (frame == null) {
                    fail(new AgentDiedException("the agent ended its channel (end of input)"));
                    return;
                }
                dispatch(frame);
            }
        } catch (MalformedFrameException e) {
            fail(new AgentProtocolException("malformed frame from the agent: " + e.getMessage(), e));
        } catch (IOException e) {
            fail(new AgentDiedException("reading from the agent failed: " + e.getMessage(), e));
        } catch (RuntimeException e) {
            fail(new AgentProtocolException("the agent client's reader failed: " + e, e));
        }
    }

    private void dispatch(Frame frame) throws MalformedFrameException {
        PayloadReader payload = new PayloadReader(frame);
        FrameType type = frame.type();
        if (!hello.isDone() && type != FrameType.HELLO) {
            throw new MalformedFrameException("the agent sent " + type + " before HELLO");
        }
        if (frame.stream() == 0) {
            dispatchSession(type, payload);
            return;
        }
        AgentStream stream = streams.get(frame.stream());
        if (type == FrameType.WINDOW) {
            long credit = payload.u32();
            payload.end();
            if (stream != null) stream.credit(credit);
            return;
        }
        StreamEvent event = parseStreamEvent(type, payload);
        if (stream == null) return; // a stream this side already finished or abandoned
        if (!stream.kind.allows(type)) {
            throw new MalformedFrameException("the agent sent " + type + " on a " + stream.kind + " stream");
        }
        stream.deliver(event);
        if (event.isFinal()) streams.remove(frame.stream());
    }

    private void dispatchSession(FrameType type, PayloadReader payload) throws MalformedFrameException {
        switch (type) {
            case HELLO -> {
                if (hello.isDone()) throw new MalformedFrameException("a second HELLO");
                long maxPayload = payload.u32();
                long window = payload.u32();
                String version = payload.rest();
                if (maxPayload != Protocol.MAX_PAYLOAD || window != Protocol.INITIAL_WINDOW) {
                    throw new MalformedFrameException("the agent's HELLO declares max payload " + maxPayload
                            + " and window " + window + "; version 1 has " + Protocol.MAX_PAYLOAD + " and "
                            + Protocol.INITIAL_WINDOW);
                }
                hello.complete(new AgentInfo(version, Protocol.VERSION, (int) maxPayload, (int) window));
            }
            case PONG -> {
                long id = payload.u64();
                payload.end();
                CompletableFuture<Void> pong = pings.get(id);
                if (pong != null) pong.complete(null);
            }
            case ERROR -> {
                payload.u32();
                payload.u32();
                String message = payload.rest();
                fail(new AgentProtocolException("the agent reported a protocol error: " + message));
            }
            default -> throw new MalformedFrameException("the agent sent " + type + " on stream 0");
        }
    }

    private static StreamEvent parseStreamEvent(FrameType type, PayloadReader payload) throws MalformedFrameException {
        StreamEvent event;
        switch (type) {
            case STDOUT, STDERR, DATA -> {
                return new StreamEvent.Data(type, payload.restBytes());
            }
            case STARTED -> event = new StreamEvent.Started(payload.u32());
            case EXIT -> {
                long how = payload.u32();
                int value = (int) payload.u32();
                boolean timedOut = (payload.u32() & Protocol.EXIT_TIMED_OUT) != 0;
                if (how == Protocol.EXIT_CODE && value >= 0 && value <= 255) {
                    event = new StreamEvent.Exit(ExitStatus.exited(value, timedOut));
                } else if (how == Protocol.EXIT_SIGNAL && value > 0 && value < 128) {
                    event = new StreamEvent.Exit(ExitStatus.killed(value, timedOut));
                } else {
                    throw new MalformedFrameException("an EXIT with how " + how + " and value " + value);
                }
            }
            case INFO -> {
                GuestFile.Type fileType = fileType(payload.u8());
                int mode = (int) payload.u32();
                long size = payload.u64();
                event = new StreamEvent.Info(new GuestFile("", fileType, mode & 07777, size));
            }
            case END -> event = new StreamEvent.End();
            case OK -> event = new StreamEvent.Ok();
            case ERROR -> {
                int kind = (int) payload.u32();
                int errno = (int) payload.u32();
                return new StreamEvent.Error(kind, errno, payload.rest());
            }
            default -> throw new MalformedFrameException("the agent sent " + type + ", which only the host sends");
        }
        payload.end();
        return event;
    }

    private static GuestFile.Type fileType(int code) throws MalformedFrameException {
        return switch (code) {
            case Protocol.TYPE_OTHER -> GuestFile.Type.OTHER;
            case Protocol.TYPE_FILE -> GuestFile.Type.FILE;
            case Protocol.TYPE_DIRECTORY -> GuestFile.Type.DIRECTORY;
            case Protocol.TYPE_SYMLINK -> GuestFile.Type.SYMLINK;
            default -> throw new MalformedFrameException("unknown file type " + code);
        };
    }

    private static int mode(Path path) throws IOException {
        int mode = 0;
        for (PosixFilePermission permission : Files.getPosixFilePermissions(path)) {
            mode |= 0400 >> permission.ordinal();
        }
        return mode;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission permission : PosixFilePermission.values()) {
            if ((mode & (0400 >> permission.ordinal())) != 0) set.add(permission);
        }
        return set;
    }
}
