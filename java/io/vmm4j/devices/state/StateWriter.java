package io.vmm4j.devices.state;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Writes a device's state as big-endian fields, for {@link StateReader} to read back in the same order. */
public final class StateWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    public StateWriter u8(int value) {
        return write(() -> out.writeByte(value));
    }

    public StateWriter bool(boolean value) {
        return u8(value ? 1 : 0);
    }

    public StateWriter i32(int value) {
        return write(() -> out.writeInt(value));
    }

    public StateWriter i64(long value) {
        return write(() -> out.writeLong(value));
    }

    /** A 32-bit length, then the bytes. */
    public StateWriter blob(byte[] value) {
        i32(value.length);
        return write(() -> out.write(value));
    }

    /** A blob of UTF-8; {@code null} is written as length -1. */
    public StateWriter text(String value) {
        if (value == null) return i32(-1);
        return blob(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return bytes.toByteArray();
    }

    private interface Write {
        void run() throws IOException;
    }

    private StateWriter write(Write write) {
        try {
            write.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return this;
    }
}
