package io.vmm4j.sandbox.agent.wire;

import java.io.IOException;
import java.io.OutputStream;

/** Encodes frames; one frame per call, written whole under the writer's lock so frames never interleave. */
public final class FrameWriter {
    private final OutputStream out;
    private final byte[] header = new byte[Protocol.HEADER_SIZE];

    public FrameWriter(OutputStream out) {
        this.out = out;
    }

    public void write(FrameType type, int stream, byte[] payload) throws IOException {
        write(type, stream, payload, 0, payload.length);
    }

    public synchronized void write(FrameType type, int stream, byte[] payload, int offset, int length)
            throws IOException {
        if (length > Protocol.MAX_PAYLOAD) {
            throw new IllegalArgumentException(
                    "a " + type + " payload of " + length + " bytes exceeds " + Protocol.MAX_PAYLOAD);
        }
        header[0] = (byte) (Protocol.MAGIC >>> 8);
        header[1] = (byte) Protocol.MAGIC;
        header[2] = (byte) Protocol.VERSION;
        header[3] = (byte) type.code();
        putU32(header, 4, stream);
        putU32(header, 8, length);
        out.write(header);
        out.write(payload, offset, length);
        out.flush();
    }

    static void putU32(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }
}
