package io.vmm4j.sandbox.agent.wire;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads frames from an untrusted stream. The header is checked before anything is allocated, so a hostile
 * length never costs more than {@link Protocol#MAX_PAYLOAD} bytes.
 */
public final class FrameReader {
    private final InputStream in;
    private final byte[] header = new byte[Protocol.HEADER_SIZE];

    public FrameReader(InputStream in) {
        this.in = in;
    }

    /**
     * The next frame, or null at a clean end of input (between frames).
     *
     * @throws MalformedFrameException if the header is not valid, or the input ends inside a frame
     */
    public Frame read() throws IOException {
        int got = readFully(header, 0);
        if (got == 0) return null;
        if (got < header.length) throw new MalformedFrameException("the input ended inside a frame header");
        int magic = u16(header, 0);
        if (magic != Protocol.MAGIC) {
            throw new MalformedFrameException(
                    String.format("bad frame magic 0x%04x (expected 0x%04x)", magic, Protocol.MAGIC));
        }
        int version = header[2] & 0xff;
        if (version != Protocol.VERSION) {
            throw new MalformedFrameException(
                    "unknown protocol version " + version + " (this side speaks " + Protocol.VERSION + ")");
        }
        int code = header[3] & 0xff;
        FrameType type = FrameType.of(code);
        if (type == null) throw new MalformedFrameException(String.format("unknown message type 0x%02x", code));
        int stream = (int) u32(header, 4);
        long length = u32(header, 8);
        if (length > Protocol.MAX_PAYLOAD) {
            throw new MalformedFrameException(
                    "a " + type + " frame declares " + length + " payload bytes, more than " + Protocol.MAX_PAYLOAD);
        }
        byte[] payload = new byte[(int) length];
        if (readFully(payload, 0) < payload.length) {
            throw new MalformedFrameException("the input ended inside a " + type + " payload");
        }
        return new Frame(type, stream, payload);
    }

    private int readFully(byte[] buffer, int offset) throws IOException {
        int done = offset;
        while (done < buffer.length) {
            int n = in.read(buffer, done, buffer.length - done);
            if (n < 0) break;
            done += n;
        }
        return done;
    }

    static int u16(byte[] b, int at) {
        return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
    }

    static long u32(byte[] b, int at) {
        return ((long) (b[at] & 0xff) << 24)
                | ((b[at + 1] & 0xff) << 16)
                | ((b[at + 2] & 0xff) << 8)
                | (b[at + 3] & 0xff);
    }
}
