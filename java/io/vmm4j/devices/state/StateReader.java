package io.vmm4j.devices.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads back what a {@link StateWriter} wrote. Saved state is untrusted input: every refusal is an
 * {@link IllegalArgumentException} naming the device, the field and the byte offset.
 */
public final class StateReader {
    private final String device;
    private final ByteBuffer buffer;

    private StateReader(String device, byte[] state) {
        this.device = device;
        this.buffer = ByteBuffer.wrap(state);
    }

    /** A reader for {@code state}, after checking that {@code version} is the one supported. */
    public static StateReader of(String device, int supportedVersion, int version, byte[] state) {
        if (version != supportedVersion) {
            throw new IllegalArgumentException(
                    device + " state: version " + version + " is not supported (only " + supportedVersion + ")");
        }
        return new StateReader(device, state);
    }

    public int u8(String field) {
        need(field, 1);
        return buffer.get() & 0xff;
    }

    public boolean bool(String field) {
        int at = buffer.position();
        int value = u8(field);
        if (value > 1) throw refuse(at, field + " is " + value + ", not 0 or 1");
        return value == 1;
    }

    public int i32(String field) {
        need(field, 4);
        return buffer.getInt();
    }

    public long i64(String field) {
        need(field, 8);
        return buffer.getLong();
    }

    /** A 32-bit length of at most {@code maxLength}, then the bytes. */
    public byte[] blob(String field, int maxLength) {
        int at = buffer.position();
        int length = i32(field);
        if (length < 0 || length > maxLength) {
            throw refuse(at, field + " has length " + length + ", not 0 to " + maxLength);
        }
        need(field, length);
        byte[] value = new byte[length];
        buffer.get(value);
        return value;
    }

    /** Text written by {@link StateWriter#text}; {@code null} when it was. */
    public String text(String field, int maxLength) {
        int at = buffer.position();
        need(field, 4);
        if (buffer.getInt(at) == -1) {
            buffer.getInt();
            return null;
        }
        return new String(blob(field, maxLength), StandardCharsets.UTF_8);
    }

    /** The offset of the next field, for {@link #refuse}. */
    public int offset() {
        return buffer.position();
    }

    /** Refuses bytes left over after the last field. */
    public void finish() {
        if (buffer.hasRemaining()) throw refuse(buffer.position(), buffer.remaining() + " bytes after the last field");
    }

    /** The exception for a field at {@code offset} that is well-formed but not acceptable. */
    public IllegalArgumentException refuse(int offset, String why) {
        return new IllegalArgumentException(device + " state, offset " + offset + ": " + why);
    }

    private void need(String field, int length) {
        if (buffer.remaining() < length) {
            throw refuse(
                    buffer.position(),
                    "truncated: " + field + " needs " + length + " bytes, " + buffer.remaining() + " left");
        }
    }
}
