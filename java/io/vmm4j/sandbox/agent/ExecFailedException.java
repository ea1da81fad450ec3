package io.vmm4j.sandbox.agent;

/** The command could not be started: execve failed in the guest (or the working directory is missing). */
public class ExecFailedException extends AgentRequestException {
    public ExecFailedException(int errno, String message) {
        super(errno, message);
    }
}
