package io.vmm4j.jni;

import io.vmm4j.api.AddressConflictException;
import io.vmm4j.api.GuestMemoryAccessException;
import io.vmm4j.api.VmmException;

/**
 * Checks the result of a {@link NativeCore} call and turns a failure into the matching exception,
 * carrying the operation and errno text the core recorded.
 */
public final class Native {
    // Mirrors vmm4j::ErrorKind in cpp/common/error.h.
    private static final int SYSTEM = 1;
    private static final int INVALID_ARGUMENT = 2;
    private static final int OUT_OF_BOUNDS = 3;
    private static final int CONFLICT = 4;
    private static final int STATE = 5;

    private Native() {}

    /** Returns {@code result} when it is not the failure value -1, and throws otherwise. */
    public static long check(long result) {
        if (result != -1) return result;
        throw lastError();
    }

    /** The exception describing the calling thread's last native failure. */
    public static RuntimeException lastError() {
        int kind = NativeCore.vmm4j_last_error_kind();
        int errno = NativeCore.vmm4j_last_error_errno();
        String operation = NativeCore.vmm4j_last_error_operation();
        String message = NativeCore.vmm4j_last_error_message();
        switch (kind) {
            case INVALID_ARGUMENT:
                return new IllegalArgumentException(message);
            case OUT_OF_BOUNDS:
                return new GuestMemoryAccessException(operation, message);
            case CONFLICT:
                return new AddressConflictException(operation, message);
            case STATE:
                return new IllegalStateException(message);
            case SYSTEM:
            default:
                return new VmmException(operation, errno, message);
        }
    }
}
