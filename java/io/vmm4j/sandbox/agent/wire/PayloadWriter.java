package io.vmm4j.sandbox.agent.wire;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds one payload; {@link #toBytes} refuses one longer than {@link Protocol#MAX_PAYLOAD}. */
public final class PayloadWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    public PayloadWriter u32(long value) {
        bytes.write((int) (value >>> 24));
        bytes.write((int) (value >>> 16));
        bytes.write((int) (value >>> 8));
        bytes.write((int) value);
        return this;
    }

    public PayloadWriter u64(long value) {
        return u32(value >>> 32).u32(value);
    }

    /** A string with its u32 length in front. */
    public PayloadWriter string(String value) {
        byte[] utf8 = utf8(value);
        u32(utf8.length);
        bytes.writeBytes(utf8);
        return this;
    }

    /** A string that is the last field: no length, it takes the rest of the payload. */
    public PayloadWriter rest(String value) {
        bytes.writeBytes(utf8(value));
        return this;
    }

    public byte[] toBytes() {
        if (bytes.size() > Protocol.MAX_PAYLOAD) {
            throw new IllegalArgumentException(
                    "the request needs " + bytes.size() + " bytes, more than one frame (" + Protocol.MAX_PAYLOAD + ")");
        }
        return bytes.toByteArray();
    }

    private static byte[] utf8(String value) {
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException("a NUL character in \"" + value + "\"");
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
