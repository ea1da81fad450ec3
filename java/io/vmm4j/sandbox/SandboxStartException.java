package io.vmm4j.sandbox;

/** The guest did not come up: its agent did not report ready in time, or the VM stopped first. */
public final class SandboxStartException extends SandboxException {
    private final String consoleTail;

    public SandboxStartException(String message, String consoleTail, Throwable cause) {
        super(message + "; the console's last lines:\n" + consoleTail, cause);
        this.consoleTail = consoleTail;
    }

    /** The guest console's last lines when it was given up on. */
    public String consoleTail() {
        return consoleTail;
    }
}
