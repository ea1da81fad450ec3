package io.vmm4j.sandbox;

/** A call on a sandbox that was closed. */
public final class SandboxClosedException extends SandboxException {
    public SandboxClosedException(String sandbox) {
        super(sandbox + " is closed");
    }
}
