package io.vmm4j.arch.x86.acpi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable little-endian byte buffer: ACPI tables and AML are little-endian throughout. */
final class ByteWriter {
    private byte[] bytes = new byte[64];
    private int size;

    ByteWriter u8(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
        return this;
    }

    ByteWriter u16(int value) {
        return u8(value).u8(value >>> 8);
    }

    ByteWriter u32(long value) {
        return u16((int) value).u16((int) (value >>> 16));
    }

    ByteWriter u64(long value) {
        return u32(value).u32(value >>> 32);
    }

    ByteWriter bytes(byte[] value) {
        ensure(value.length);
        System.arraycopy(value, 0, bytes, size, value.length);
        size += value.length;
        return this;
    }

    /** ASCII text of exactly {@code length} bytes; callers pass text already validated and padded. */
    ByteWriter ascii(String value, int length) {
        byte[] text = value.getBytes(StandardCharsets.US_ASCII);
        if (text.length != length) {
            throw new IllegalArgumentException("\"" + value + "\" is not " + length + " ASCII characters");
        }
        return bytes(text);
    }

    ByteWriter zeros(int count) {
        ensure(count);
        size += count;
        return this;
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
