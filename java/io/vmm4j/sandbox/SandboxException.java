package io.vmm4j.sandbox;

/** A sandbox could not do what was asked; the subclasses name each way it fails. */
public class SandboxException extends RuntimeException {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
