package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.agent.wire.Frame;
import io.vmm4j.sandbox.agent.wire.FrameReader;
import io.vmm4j.sandbox.agent.wire.FrameType;
import io.vmm4j.sandbox.agent.wire.FrameWriter;
import io.vmm4j.sandbox.agent.wire.PayloadWriter;
import io.vmm4j.sandbox.agent.wire.Protocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against a fake agent (this test, on the other end of two pipes) that breaks the protocol. */
@Timeout(30)
class FakeAgentTest {
    private OutputStream toClient;
    private InputStream fromClient;
    private AgentClient client;

    @BeforeEach
    void pipes() throws IOException {
        Pipe agentToHost = Pipe.open();
        Pipe hostToAgent = Pipe.open();
        toClient = Channels.newOutputStream(agentToHost.sink());
        fromClient = Channels.newInputStream(hostToAgent.source());
        client = AgentClient.start(
                Channels.newInputStream(agentToHost.source()), Channels.newOutputStream(hostToAgent.sink()), "fake");
    }

    @AfterEach
    void close() throws IOException {
        client.close();
        toClient.close();
        fromClient.close();
    }

    private void hello() throws IOException {
        send(
                FrameType.HELLO,
                0,
                new PayloadWriter()
                        .u32(Protocol.MAX_PAYLOAD)
                        .u32(Protocol.INITIAL_WINDOW)
                        .rest("fake 1.0")
                        .toBytes());
        assertEquals("fake 1.0", client.awaitReady(Duration.ofSeconds(5)).agentVersion());
    }

    private void send(FrameType type, int stream, byte[] payload) throws IOException {
        new FrameWriter(toClient).write(type, stream, payload);
    }

    private void sendRaw(byte[] bytes) throws IOException {
        toClient.write(bytes);
        toClient.flush();
    }

    /** Starts an exec on a thread; returns its future result and the stream id the client chose. */
    private CompletableFuture<ExecResult> startExec() {
        return CompletableFuture.supplyAsync(() -> client.exec(ExecRequest.of("true")));
    }

    private int readExecRequest() throws IOException {
        Frame frame = new FrameReader(fromClient).read();
        assertEquals(FrameType.EXEC, frame.type());
        return frame.stream();
    }

    private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        }
        throw new AssertionError("the call succeeded against a broken agent");
    }

    @Test
    void noHelloInTimeIsATimeout() {
        AgentTimeoutException e =
                assertThrows(AgentTimeoutException.class, () -> client.awaitReady(Duration.ofMillis(200)));
        assertTrue(e.getMessage().contains("HELLO"));
    }

    @Test
    void garbageInsteadOfHelloIsAProtocolError() throws IOException {
        sendRaw("Linux version 6.1 ... kernel log on the wrong port".getBytes());
        AgentProtocolException e =
                assertThrows(AgentProtocolException.class, () -> client.awaitReady(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("bad frame magic"), e.getMessage());
    }

    @Test
    void unknownVersionIsNamed() throws IOException {
        sendRaw(ByteBuffer.allocate(12)
                .putShort((short) Protocol.MAGIC)
                .put((byte) 2)
                .put((byte) 1)
                .putInt(0)
                .putInt(0)
                .array());
        AgentProtocolException e =
                assertThrows(AgentProtocolException.class, () -> client.awaitReady(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("unknown protocol version 2"), e.getMessage());
    }

    @Test
    void overLongFrameFailsPendingCallsWithoutAllocatingIt() throws Exception {
        hello();
        CompletableFuture<ExecResult> exec = startExec();
        int stream = readExecRequest();
        // 2 GiB declared: the client must refuse it from the header, not try to read (or allocate) it.
        sendRaw(ByteBuffer.allocate(12)
                .putShort((short) Protocol.MAGIC)
                .put((byte) 1)
                .put((byte) FrameType.STDOUT.code())
                .putInt(stream)
                .putInt(0x7fff_ffff)
                .array());
        Throwable failure = failureOf(exec);
        assertTrue(failure instanceof AgentProtocolException, failure.toString());
        assertTrue(failure.getMessage().contains("more than 65536"), failure.getMessage());
        assertFalse(client.isOpen());
        assertThrows(AgentProtocolException.class, () -> client.exec(ExecRequest.of("true")));
    }

    @Test
    void windowOverrunIsAProtocolError() throws Exception {
        hello();
        Execution execution = client.start(ExecRequest.of("yes")); // never consumed: no credit goes back
        int stream = readExecRequest();
        send(FrameType.STARTED, stream, new PayloadWriter().u32(42).toBytes());
        for (int i = 0; i < 5; i++) send(FrameType.STDOUT, stream, new byte[Protocol.MAX_PAYLOAD]);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (client.isOpen() && System.nanoTime() < deadline) Thread.sleep(10);
        AgentProtocolException e = assertThrows(AgentProtocolException.class, execution::await);
        assertTrue(e.getMessage().contains("overran the window"), e.getMessage());
    }

    @Test
    void outputBeforeStartedIsAProtocolError() throws Exception {
        hello();
        CompletableFuture<ExecResult> exec = startExec();
        int stream = readExecRequest();
        send(FrameType.STDOUT, stream, "early".getBytes());
        Throwable failure = failureOf(exec);
        assertTrue(failure.getMessage().contains("before STARTED"), failure.getMessage());
    }

    @Test
    void truncatedExitIsAProtocolError() throws Exception {
        hello();
        CompletableFuture<ExecResult> exec = startExec();
        int stream = readExecRequest();
        send(FrameType.STARTED, stream, new PayloadWriter().u32(42).toBytes());
        send(FrameType.EXIT, stream, new byte[5]);
        Throwable failure = failureOf(exec);
        assertTrue(failure instanceof AgentProtocolException, failure.toString());
        assertTrue(failure.getMessage().contains("too short"), failure.getMessage());
    }

    @Test
    void hostOnlyMessageFromTheAgentIsAProtocolError() throws Exception {
        hello();
        CompletableFuture<ExecResult> exec = startExec();
        int stream = readExecRequest();
        send(FrameType.EXEC, stream, new byte[0]);
        assertTrue(failureOf(exec).getMessage().contains("only the host sends"));
    }

    @Test
    void agentReportedProtocolErrorEndsTheSession() throws Exception {
        hello();
        send(
                FrameType.ERROR,
                0,
                new PayloadWriter()
                        .u32(Protocol.ERROR_PROTOCOL)
                        .u32(0)
                        .rest("bad frame magic")
                        .toBytes());
        AgentProtocolException e = assertThrows(AgentProtocolException.class, () -> client.ping(Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("bad frame magic"), e.getMessage());
    }

    @Test
    void endOfInputMidFrameIsAProtocolErrorAndCleanEndIsDeath() throws Exception {
        hello();
        CompletableFuture<ExecResult> exec = startExec();
        readExecRequest();
        sendRaw(new byte[] {0x76, 0x4a, 1});
        toClient.close();
        assertTrue(failureOf(exec) instanceof AgentProtocolException);
    }

    @Test
    void cleanEndOfInputIsTheAgentDying() throws Exception {
        hello();
        CompletableFuture<ExecResult> exec = startExec();
        readExecRequest();
        toClient.close();
        Throwable failure = failureOf(exec);
        assertTrue(failure instanceof AgentDiedException, failure.toString());
        assertTrue(failure.getMessage().contains("end of input"));
    }

    /** The RESEED frame the client sent for a call still waiting for its answer. */
    private Frame readReseed(CompletableFuture<Void> call) throws IOException {
        Frame frame = new FrameReader(fromClient).read();
        assertEquals(FrameType.RESEED, frame.type());
        assertFalse(call.isDone());
        return frame;
    }

    @Test
    void aReseedCarriesTheSeedAloneAndAnErrorIoNamesTheErrno() throws Exception {
        hello();
        byte[] seed = new byte[Protocol.MIN_SEED];
        for (int i = 0; i < seed.length; i++) seed[i] = (byte) (i * 7 + 1);
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> client.reseed(seed.clone()));
        Frame request = readReseed(call);
        assertArrayEquals(seed, request.payload());
        send(
                FrameType.ERROR,
                request.stream(),
                new PayloadWriter()
                        .u32(Protocol.ERROR_IO)
                        .u32(1)
                        .rest("ioctl RNDADDENTROPY on /dev/urandom: Operation not permitted")
                        .toBytes());
        Throwable failure = failureOf(call);
        assertTrue(failure instanceof AgentRequestException, failure.toString());
        assertEquals(1, ((AgentRequestException) failure).errno());
        assertTrue(failure.getMessage().contains("reseed the guest's RNG: ioctl RNDADDENTROPY"), failure.getMessage());
        assertTrue(client.isOpen(), "a refused reseed leaves the session usable");

        CompletableFuture<Void> again = CompletableFuture.runAsync(() -> client.reseed());
        Frame second = readReseed(again);
        assertEquals(Protocol.MIN_SEED, second.payload().length);
        send(FrameType.OK, second.stream(), new byte[0]);
        again.get(10, TimeUnit.SECONDS);
    }

    @Test
    void anOkWithAPayloadForAReseedIsAProtocolError() throws Exception {
        hello();
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> client.reseed());
        send(FrameType.OK, readReseed(call).stream(), new byte[4]);
        Throwable failure = failureOf(call);
        assertTrue(failure instanceof AgentProtocolException, failure.toString());
        assertTrue(failure.getMessage().contains("a OK payload has 4 bytes too many"), failure.getMessage());
        assertFalse(client.isOpen());
    }

    @Test
    void dataOnAReseedStreamIsAProtocolError() throws Exception {
        hello();
        CompletableFuture<Void> call = CompletableFuture.runAsync(() -> client.reseed());
        send(FrameType.DATA, readReseed(call).stream(), "not a reply to a reseed".getBytes());
        Throwable failure = failureOf(call);
        assertTrue(failure instanceof AgentProtocolException, failure.toString());
        assertTrue(failure.getMessage().contains("DATA on a SIMPLE stream"), failure.getMessage());
    }

    @Test
    void framesForUnknownStreamsAreDroppedAndCallsGoOn() throws Exception {
        hello();
        send(FrameType.STDOUT, 999, "late output of a cancelled command".getBytes());
        send(FrameType.WINDOW, 998, new PayloadWriter().u32(5).toBytes());
        CompletableFuture<ExecResult> exec = startExec();
        int stream = readExecRequest();
        send(FrameType.STARTED, stream, new PayloadWriter().u32(42).toBytes());
        send(FrameType.STDOUT, stream, "ok".getBytes());
        Frame window = new FrameReader(fromClient).read();
        assertEquals(FrameType.WINDOW, window.type(), "the consumed output is credited back");
        assertEquals(stream, window.stream());
        send(FrameType.EXIT, stream, new PayloadWriter().u32(0).u32(3).u32(0).toBytes());
        ExecResult result = exec.get(10, TimeUnit.SECONDS);
        assertEquals(3, result.exitCode());
        assertEquals("ok", result.stdoutText());
    }
}
