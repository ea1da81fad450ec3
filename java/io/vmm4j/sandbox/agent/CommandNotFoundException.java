package io.vmm4j.sandbox.agent;

/** The command is not on the guest's PATH (execve: ENOENT). */
public final class CommandNotFoundException extends ExecFailedException {
    public CommandNotFoundException(int errno, String message) {
        super(errno, message);
    }
}
