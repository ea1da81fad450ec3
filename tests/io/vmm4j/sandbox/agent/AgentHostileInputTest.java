package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.agent.wire.Frame;
import io.vmm4j.sandbox.agent.wire.FrameReader;
import io.vmm4j.sandbox.agent.wire.FrameType;
import io.vmm4j.sandbox.agent.wire.PayloadReader;
import io.vmm4j.sandbox.agent.wire.PayloadWriter;
import io.vmm4j.sandbox.agent.wire.Protocol;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent fed malformed frames: each must get ERROR PROTOCOL on stream 0 naming the fault, and an agent that is not
 * init must then exit with status 2, never crash on a signal.
 */
@Timeout(60)
class AgentHostileInputTest {
    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("bad magic", bytes("garbage that is not a frame"), "bad frame magic"),
                Arguments.of("unknown version", header(Protocol.MAGIC, 9, 0x02, 0, 0), "unknown protocol version 9"),
                Arguments.of(
                        "over-long frame",
                        header(Protocol.MAGIC, 1, FrameType.STDIN.code(), 1, 0x7fff_ffff),
                        "more than 65536"),
                Arguments.of("unknown type", header(Protocol.MAGIC, 1, 0x7f, 1, 0), "0x7f"),
                Arguments.of("agent-only type", frame(FrameType.STDOUT, 1, new byte[3]), "not one the host sends"),
                Arguments.of("request on stream 0", frame(FrameType.STAT, 0, "/".getBytes()), "stream 0"),
                Arguments.of("oversized ping", frame(FrameType.PING, 0, new byte[300]), "PING"),
                Arguments.of(
                        "exec with too many arguments",
                        frame(
                                FrameType.EXEC,
                                1,
                                new PayloadWriter()
                                        .u32(0)
                                        .u32(0)
                                        .u32(1_000_000)
                                        .u32(0)
                                        .toBytes()),
                        "EXEC"),
                Arguments.of(
                        "exec string longer than its payload",
                        frame(
                                FrameType.EXEC,
                                1,
                                new PayloadWriter()
                                        .u32(0)
                                        .u32(0)
                                        .u32(1)
                                        .u32(0)
                                        .u32(0xffff_fff0L)
                                        .u32(0)
                                        .toBytes()),
                        "malformed string"),
                Arguments.of(
                        "exec without a cwd",
                        frame(
                                FrameType.EXEC,
                                1,
                                new PayloadWriter()
                                        .u32(0)
                                        .u32(0)
                                        .u32(1)
                                        .u32(0)
                                        .string("true")
                                        .toBytes()),
                        "EXEC"),
                Arguments.of("truncated put", frame(FrameType.PUT, 1, new byte[2]), "PUT"),
                Arguments.of("path with a NUL", frame(FrameType.STAT, 1, new byte[] {'/', 0, 'x'}), "NUL"),
                Arguments.of(
                        "bad clock",
                        frame(
                                FrameType.SET_TIME,
                                1,
                                new PayloadWriter().u64(1).u32(2_000_000_000).toBytes()),
                        "SET_TIME"),
                Arguments.of("empty seed", frame(FrameType.RESEED, 1, new byte[0]), "a RESEED of 0 bytes"),
                Arguments.of(
                        "short seed",
                        frame(FrameType.RESEED, 1, new byte[Protocol.MIN_SEED - 1]),
                        "a RESEED of 31 bytes (a seed has 32 to 256)"),
                Arguments.of(
                        "long seed",
                        frame(FrameType.RESEED, 1, new byte[Protocol.MAX_SEED + 1]),
                        "a RESEED of 257 bytes"),
                Arguments.of("seed on stream 0", frame(FrameType.RESEED, 0, new byte[Protocol.MIN_SEED]), "stream 0"),
                Arguments.of("window with a short payload", frame(FrameType.WINDOW, 5, new byte[2]), "WINDOW"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFrameGetsAProtocolErrorAndExitStatus2(String name, byte[] input, String expected) throws Exception {
        Process agent = AgentProcess.startRaw();
        try {
            FrameReader frames = new FrameReader(agent.getInputStream());
            assertEquals(FrameType.HELLO, frames.read().type());
            OutputStream out = agent.getOutputStream();
            out.write(input);
            out.flush();
            Frame error = frames.read();
            assertNotNull(error, name + ": the agent sent nothing");
            assertEquals(FrameType.ERROR, error.type(), name);
            assertEquals(0, error.stream());
            PayloadReader payload = new PayloadReader(error);
            assertEquals(Protocol.ERROR_PROTOCOL, payload.u32());
            payload.u32();
            String message = payload.rest();
            assertTrue(message.contains(expected), name + ": " + message);
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS), name + ": the agent did not exit");
            assertEquals(2, agent.exitValue(), name + ": exit status (a signal would be 128 + n)");
        } finally {
            agent.destroyForcibly().waitFor();
        }
    }

    @Test
    void windowOverrunIsAProtocolError() throws Exception {
        Process agent = AgentProcess.startRaw();
        try {
            FrameReader frames = new FrameReader(agent.getInputStream());
            frames.read();
            OutputStream out = agent.getOutputStream();
            // A command that never reads its stdin, and more stdin than one window.
            out.write(frame(
                    FrameType.EXEC,
                    1,
                    new PayloadWriter()
                            .u32(Protocol.EXEC_STDIN_PIPE)
                            .u32(0)
                            .u32(2)
                            .u32(0)
                            .string("sleep")
                            .string("1000")
                            .string("")
                            .toBytes()));
            for (int i = 0; i < 6; i++) out.write(frame(FrameType.STDIN, 1, new byte[Protocol.MAX_PAYLOAD]));
            out.flush();
            Frame frame;
            do frame = frames.read();
            while (frame != null && frame.type() != FrameType.ERROR);
            assertNotNull(frame);
            PayloadReader payload = new PayloadReader(frame);
            payload.u32();
            payload.u32();
            assertTrue(payload.rest().contains("overran the window"));
            assertTrue(agent.waitFor(10, TimeUnit.SECONDS));
            assertEquals(2, agent.exitValue());
        } finally {
            agent.destroyForcibly().waitFor();
        }
    }

    /** Random mutations of valid frames (a cheap fuzz): whatever the agent says, it never dies on a signal. */
    @Test
    void mutatedFramesNeverCrashTheAgent() throws Exception {
        Random random = new Random(42);
        byte[][] seeds = {
            frame(FrameType.PING, 0, new byte[8]),
            frame(FrameType.STAT, 1, "/".getBytes()),
            frame(FrameType.LIST, 1, "/nonexistent".getBytes()),
            frame(FrameType.WINDOW, 1, new PayloadWriter().u32(10).toBytes()),
            frame(FrameType.SIGNAL, 1, new PayloadWriter().u32(0).toBytes()),
            frame(FrameType.RESEED, 1, new byte[Protocol.MIN_SEED]),
        };
        for (int round = 0; round < 40; round++) {
            // Without CAP_SYS_TIME and CAP_SYS_ADMIN: a mutation must never set the host's clock or credit its RNG.
            Process agent = AgentProcess.startRaw(AgentProcess.withoutClockOrRngPrivilege());
            try {
                new FrameReader(agent.getInputStream()).read();
                OutputStream out = agent.getOutputStream();
                for (int i = 0; i < 20; i++) {
                    byte[] frame = seeds[random.nextInt(seeds.length)].clone();
                    for (int flips = random.nextInt(3); flips >= 0; flips--) {
                        frame[random.nextInt(frame.length)] ^= (byte) (1 << random.nextInt(8));
                    }
                    try {
                        out.write(frame);
                        out.flush();
                    } catch (IOException gone) {
                        break; // the agent ended the session, as it should on a bad frame
                    }
                }
                try {
                    out.close();
                } catch (IOException gone) {
                    // as above
                }
                assertTrue(agent.waitFor(10, TimeUnit.SECONDS), "round " + round + ": the agent hung");
                int status = agent.exitValue();
                assertTrue(status == 0 || status == 2, "round " + round + ": exit status " + status);
            } finally {
                agent.destroyForcibly().waitFor();
            }
        }
    }

    static byte[] header(int magic, int version, int type, int stream, int length) {
        return ByteBuffer.allocate(Protocol.HEADER_SIZE)
                .putShort((short) magic)
                .put((byte) version)
                .put((byte) type)
                .putInt(stream)
                .putInt(length)
                .array();
    }

    static byte[] frame(FrameType type, int stream, byte[] payload) {
        return ByteBuffer.allocate(Protocol.HEADER_SIZE + payload.length)
                .put(header(Protocol.MAGIC, Protocol.VERSION, type.code(), stream, payload.length))
                .put(payload)
                .array();
    }

    static byte[] bytes(String text) {
        return text.getBytes();
    }
}
