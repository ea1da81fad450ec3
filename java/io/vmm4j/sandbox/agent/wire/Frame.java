package io.vmm4j.sandbox.agent.wire;

/** One frame: its type, stream id and payload (at most {@link Protocol#MAX_PAYLOAD} bytes). */
public record Frame(FrameType type, int stream, byte[] payload) {
    public Frame {
        if (payload.length > Protocol.MAX_PAYLOAD) {
            throw new IllegalArgumentException(
                    "a " + type + " payload of " + payload.length + " bytes exceeds " + Protocol.MAX_PAYLOAD);
        }
    }
}
