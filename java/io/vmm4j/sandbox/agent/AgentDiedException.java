package io.vmm4j.sandbox.agent;

/** The agent is gone: its channel ended or broke, or the machine it ran in stopped. */
public final class AgentDiedException extends AgentException {
    public AgentDiedException(String message) {
        super(message);
    }

    public AgentDiedException(String message, Throwable cause) {
        super(message, cause);
    }
}
