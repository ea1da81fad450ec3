package io.vmm4j.jni;

import io.vmm4j.api.AddressConflictException;
import io.vmm4j.api.GuestMemoryAccessException;
import io.vmm4j.api.VmmException;

/**
 * Checks the result of a {@link NativeCore} call and turns a failure into the matching exception,
 * carrying the operation and errno text the core recorded.
 */
public final class Native {
    // vmm4j::ErrorKind (cpp/common/error.h), from the native contract table.
    private static final int INVALID_ARGUMENT = NativeContract.intValue("error_kind.invalid_argument");
    private static final int OUT_OF_BOUNDS = NativeContract.intValue("error_kind.out_of_bounds");
    private static final int CONFLICT = NativeContract.intValue("error_kind.conflict");
    private static final int STATE = NativeContract.intValue("error_kind.state");

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
        if (kind == INVALID_ARGUMENT) return new IllegalArgumentException(message);
        if (kind == OUT_OF_BOUNDS) return new GuestMemoryAccessException(operation, message);
        if (kind == CONFLICT) return new AddressConflictException(operation, message);
        if (kind == STATE) return new IllegalStateException(message);
        return new VmmException(operation, errno, message); // SYSTEM, INTERNAL
    }
}
