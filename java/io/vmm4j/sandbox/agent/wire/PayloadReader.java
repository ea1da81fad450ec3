package io.vmm4j.sandbox.agent.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A bounds-checked cursor over one payload: every field is checked against what is left. */
public final class PayloadReader {
    private final FrameType type;
    private final byte[] payload;
    private int position;

    public PayloadReader(Frame frame) {
        this.type = frame.type();
        this.payload = frame.payload();
    }

    public int u8() throws MalformedFrameException {
        need(1);
        return payload[position++] & 0xff;
    }

    public int u16() throws MalformedFrameException {
        need(2);
        int value = FrameReader.u16(payload, position);
        position += 2;
        return value;
    }

    public long u32() throws MalformedFrameException {
        need(4);
        long value = FrameReader.u32(payload, position);
        position += 4;
        return value;
    }

    public long u64() throws MalformedFrameException {
        long high = u32();
        return (high << 32) | u32();
    }

    /** A string of {@code length} bytes. */
    public String string(int length) throws MalformedFrameException {
        need(length);
        String value = new String(payload, position, length, StandardCharsets.UTF_8);
        position += length;
        return value;
    }

    /** The rest of the payload as a string. */
    public String rest() throws MalformedFrameException {
        return string(payload.length - position);
    }

    /** The rest of the payload as bytes. */
    public byte[] restBytes() {
        byte[] rest = Arrays.copyOfRange(payload, position, payload.length);
        position = payload.length;
        return rest;
    }

    public boolean atEnd() {
        return position == payload.length;
    }

    /** Fails unless every byte was read: a longer payload is as malformed as a shorter one. */
    public void end() throws MalformedFrameException {
        if (!atEnd()) {
            throw new MalformedFrameException(
                    "a " + type + " payload has " + (payload.length - position) + " bytes too many");
        }
    }

    private void need(int count) throws MalformedFrameException {
        if (count < 0 || count > payload.length - position) {
            throw new MalformedFrameException("a " + type + " payload of " + payload.length + " bytes is too short");
        }
    }
}
