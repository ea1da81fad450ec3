package io.vmm4j.api;

import java.util.Optional;

/**
 * A failure of the hypervisor or of the native core. The message names what failed (the ioctl,
 * path or address) and, for system errors, the errno text.
 */
public class VmmException extends RuntimeException {
    private final String operation;
    private final int errno;

    public VmmException(String operation, int errno, String message) {
        super(message);
        this.operation = operation;
        this.errno = errno;
    }

    public VmmException(String operation, String message, Throwable cause) {
        super(message, cause);
        this.operation = operation;
        this.errno = 0;
    }

    /** What failed: an ioctl name such as {@code KVM_CREATE_VM}, a syscall, or a vmm4j operation. */
    public String operation() {
        return operation;
    }

    /** The errno of a failed system call, if there was one. */
    public Optional<Integer> errno() {
        return errno == 0 ? Optional.empty() : Optional.of(errno);
    }
}
