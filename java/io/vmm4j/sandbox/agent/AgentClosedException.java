package io.vmm4j.sandbox.agent;

/** The client was closed, before or during the call. */
public final class AgentClosedException extends AgentException {
    public AgentClosedException(String message) {
        super(message);
    }
}
