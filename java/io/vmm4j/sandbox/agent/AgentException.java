package io.vmm4j.sandbox.agent;

/** A failure of the guest agent or of a request to it. The message says which, in one line. */
public class AgentException extends RuntimeException {
    public AgentException(String message) {
        super(message);
    }

    public AgentException(String message, Throwable cause) {
        super(message, cause);
    }
}
