package io.vmm4j.sandbox.agent.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The frame codec alone: the byte layout of docs/AGENT-PROTOCOL.md and the checks on untrusted input. */
class FrameCodecTest {
    @Test
    void headerLayoutIsBigEndianMagicVersionTypeStreamLength() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new FrameWriter(bytes).write(FrameType.STDIN, 0x01020304, new byte[] {9, 8, 7});
        assertArrayEquals(new byte[] {0x76, 0x4a, 1, 0x12, 1, 2, 3, 4, 0, 0, 0, 3, 9, 8, 7}, bytes.toByteArray());

        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()));
        Frame frame = reader.read();
        assertEquals(FrameType.STDIN, frame.type());
        assertEquals(0x01020304, frame.stream());
        assertArrayEquals(new byte[] {9, 8, 7}, frame.payload());
        assertNull(reader.read(), "a clean end between frames");
    }

    @Test
    void aHostileLengthIsRefusedBeforeAnyPayloadIsRead() {
        byte[] header = {0x76, 0x4a, 1, 0x14, 0, 0, 0, 1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        int[] readsAfterHeader = {0};
        InputStream in = new InputStream() {
            int at;

            @Override
            public int read() {
                if (at < header.length) return header[at++] & 0xff;
                readsAfterHeader[0]++;
                return 0;
            }
        };
        MalformedFrameException e = assertThrows(MalformedFrameException.class, () -> new FrameReader(in).read());
        assertTrue(e.getMessage().contains("4294967295 payload bytes"), e.getMessage());
        assertEquals(0, readsAfterHeader[0]);
    }

    @Test
    void truncatedInputIsMalformedNotAnEnd() {
        byte[] frame = {0x76, 0x4a, 1, 0x14, 0, 0, 0, 1, 0, 0, 0, 10, 1, 2};
        for (int cut = 1; cut < frame.length; cut++) {
            byte[] part = Arrays.copyOf(frame, cut);
            assertThrows(MalformedFrameException.class, () -> new FrameReader(new ByteArrayInputStream(part)).read());
        }
    }

    @Test
    void payloadFieldsAreBoundsChecked() throws MalformedFrameException {
        byte[] payload = new PayloadWriter().u32(7).string("héllo").rest("tail").toBytes();
        PayloadReader reader = new PayloadReader(new Frame(FrameType.EXEC, 1, payload));
        assertEquals(7, reader.u32());
        assertEquals("héllo", reader.string((int) reader.u32()));
        assertEquals("tail", reader.rest());
        reader.end();
        assertThrows(MalformedFrameException.class, reader::u8);

        PayloadReader lying = new PayloadReader(
                new Frame(FrameType.EXEC, 1, new PayloadWriter().u32(1 << 30).toBytes()));
        assertThrows(MalformedFrameException.class, () -> lying.string((int) lying.u32()));
        PayloadReader extra = new PayloadReader(new Frame(FrameType.WINDOW, 1, new byte[5]));
        extra.u32();
        assertThrows(MalformedFrameException.class, extra::end);
    }

    @Test
    void writersRefuseWhatDoesNotFitAFrame() {
        assertThrows(
                IllegalArgumentException.class, () -> new Frame(FrameType.DATA, 1, new byte[Protocol.MAX_PAYLOAD + 1]));
        PayloadWriter big = new PayloadWriter().rest("x".repeat(Protocol.MAX_PAYLOAD + 1));
        assertThrows(IllegalArgumentException.class, big::toBytes);
        assertThrows(IllegalArgumentException.class, () -> new PayloadWriter().string("nul\0inside"));
    }
}
