package io.vmm4j.cli.command;

/** The command line is wrong; the message names the option or argument at fault. */
public final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
