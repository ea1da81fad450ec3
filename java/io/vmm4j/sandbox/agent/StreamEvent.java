package io.vmm4j.sandbox.agent;

import io.vmm4j.sandbox.agent.wire.FrameType;

/** What the reader thread hands to the one thread consuming a stream, in the order the agent sent it. */
sealed interface StreamEvent {
    /** STDOUT, STDERR or DATA: counts against the stream's window until acknowledged. */
    record Data(FrameType type, byte[] bytes) implements StreamEvent {}

    record Started(long pid) implements StreamEvent {}

    record Exit(ExitStatus status) implements StreamEvent {}

    record Info(GuestFile file) implements StreamEvent {}

    record End() implements StreamEvent {}

    record Ok() implements StreamEvent {}

    record Error(int kind, int errno, String message) implements StreamEvent {}

    /** Whether the agent sends nothing more on the stream after this. */
    default boolean isFinal() {
        return this instanceof Exit || this instanceof End || this instanceof Ok || this instanceof Error;
    }
}
