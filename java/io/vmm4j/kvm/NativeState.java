package io.vmm4j.kvm;

import java.util.Arrays;
import java.util.function.ToLongFunction;

/** Fetches a native device's saved state, whose length is known only once it is saved. */
final class NativeState {
    private NativeState() {}

    /** {@code save} copies what fits into the buffer and returns the full length. */
    static byte[] save(ToLongFunction<byte[]> save) {
        byte[] buffer = new byte[256];
        for (; ; ) {
            int length = Math.toIntExact(save.applyAsLong(buffer));
            if (length <= buffer.length) return Arrays.copyOf(buffer, length);
            buffer = new byte[length]; // the state grew (console input); try again with room for it
        }
    }
}
