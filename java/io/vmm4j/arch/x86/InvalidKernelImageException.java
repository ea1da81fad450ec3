package io.vmm4j.arch.x86;

/**
 * A kernel image cannot be booted: its boot header or its segments are malformed, or it asks for
 * something the VM cannot provide. The message is one line naming the file and, where there is one,
 * the offset at fault.
 */
public final class InvalidKernelImageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidKernelImageException(String message) {
        super(message);
    }

    /** "{@code file}: {@code problem} at offset 0x{@code offset}". */
    public static InvalidKernelImageException at(String file, long offset, String problem) {
        return new InvalidKernelImageException(file + ": " + problem + " at offset 0x" + Long.toHexString(offset));
    }
}
