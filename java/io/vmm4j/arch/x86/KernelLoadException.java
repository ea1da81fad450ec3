package io.vmm4j.arch.x86;

import io.vmm4j.api.VmmException;
import java.util.OptionalLong;

/**
 * A kernel, initrd or payload that cannot be loaded: missing, truncated, malformed, unsupported,
 * or not fitting in guest RAM. The message names the file and, where there is one, the offset in
 * it where the problem was found.
 */
public class KernelLoadException extends VmmException {
    private final String source;
    private final long offset;

    public KernelLoadException(String source, long offset, String problem) {
        this(source, offset, problem, null);
    }

    public KernelLoadException(String source, long offset, String problem, Throwable cause) {
        super("load kernel", describe(source, offset, problem), cause);
        this.source = source;
        this.offset = offset;
    }

    /** A problem with the file as a whole, at no particular offset. */
    public static KernelLoadException whole(String source, String problem, Throwable cause) {
        return new KernelLoadException(source, -1, problem, cause);
    }

    private static String describe(String source, long offset, String problem) {
        return offset < 0
                ? source + ": " + problem
                : source + " at offset 0x" + Long.toHexString(offset) + ": " + problem;
    }

    /** The file (or, for data not read from a file, a description of it). */
    public String source() {
        return source;
    }

    public OptionalLong offset() {
        return offset < 0 ? OptionalLong.empty() : OptionalLong.of(offset);
    }
}
