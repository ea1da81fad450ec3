package io.vmm4j.sandbox.agent;

/** The agent could not carry out one request: a system call in the guest failed. The session goes on. */
public class AgentRequestException extends AgentException {
    private final int errno;

    public AgentRequestException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The guest's errno (Linux numbering), or 0 if there was none. */
    public int errno() {
        return errno;
    }
}
