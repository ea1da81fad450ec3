package io.vmm4j.sandbox.agent.wire;

import java.io.IOException;

/** Bytes from the other side that are not a valid frame of protocol version 1. */
public final class MalformedFrameException extends IOException {
    public MalformedFrameException(String message) {
        super(message);
    }
}
