package io.vmm4j.sandbox.agent;

/** The agent sent a malformed frame (or reported one from us); the session is over. */
public final class AgentProtocolException extends AgentException {
    public AgentProtocolException(String message) {
        super(message);
    }

    public AgentProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
