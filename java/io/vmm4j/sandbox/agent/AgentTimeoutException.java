package io.vmm4j.sandbox.agent;

/** The agent did not answer in time (its HELLO, or a PING). */
public final class AgentTimeoutException extends AgentException {
    public AgentTimeoutException(String message) {
        super(message);
    }
}
