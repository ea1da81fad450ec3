package io.vmm4j.arch.x86.multiboot;

import io.vmm4j.arch.x86.KernelLoadException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The Multiboot (version 0.6.96) header of a kernel image: found in the first {@value #SEARCH_LIMIT}
 * bytes, 4-byte aligned, as magic, flags and a checksum that makes the three sum to zero, followed by
 * the a.out-kludge addresses when flag 16 is set.
 *
 * @param offset where the header starts in the file
 * @param flags the feature flags: bits 0-15 are requirements, bits 16-31 options
 * @param headerAddress (a.out kludge) the physical address the header's magic is loaded to
 * @param loadAddress (a.out kludge) the physical address of the start of the text segment
 * @param loadEndAddress (a.out kludge) the end of the data segment, 0 for "to the end of the file"
 * @param bssEndAddress (a.out kludge) the end of the bss segment, 0 for "no bss"
 * @param entryAddress (a.out kludge) the physical entry point
 */
public record MultibootHeader(
        int offset,
        int flags,
        long headerAddress,
        long loadAddress,
        long loadEndAddress,
        long bssEndAddress,
        long entryAddress) {
    public static final int MAGIC = 0x1BAD_B002;
    /** What the loader puts in EAX. */
    public static final int BOOTLOADER_MAGIC = 0x2BAD_B002;

    public static final int SEARCH_LIMIT = 8192;
    /** Modules must be page aligned. vmm4j always aligns them. */
    public static final int FLAG_PAGE_ALIGN = 1;
    /** mem_lower/mem_upper and the memory map must be given. vmm4j always gives them. */
    public static final int FLAG_MEMORY_INFO = 1 << 1;
    /** A video mode is wanted. vmm4j has no display, so it is ignored, as QEMU does. */
    public static final int FLAG_VIDEO_MODE = 1 << 2;

    public static final int FLAG_AOUT_KLUDGE = 1 << 16;
    private static final int KNOWN_REQUIRED_FLAGS = FLAG_PAGE_ALIGN | FLAG_MEMORY_INFO | FLAG_VIDEO_MODE;
    private static final int REQUIRED_FLAGS_MASK = 0xffff;
    private static final int BASIC_LENGTH = 12;
    private static final int AOUT_LENGTH = 32;

    public boolean hasAoutKludge() {
        return (flags & FLAG_AOUT_KLUDGE) != 0;
    }

    /** Whether {@code image} has a Multiboot magic where a header may be, valid or not. */
    public static boolean hasMagic(byte[] image) {
        ByteBuffer data = littleEndian(image);
        for (int offset = 0; offset + 4 <= Math.min(image.length, SEARCH_LIMIT); offset += 4) {
            if (data.getInt(offset) == MAGIC) return true;
        }
        return false;
    }

    /**
     * The first header with a valid checksum; empty when the image has no Multiboot magic at all.
     *
     * @throws KernelLoadException when there is a magic but no valid header, when the header
     *     requires a feature vmm4j does not know, or when the a.out-kludge fields are cut off
     */
    public static Optional<MultibootHeader> find(String file, byte[] image) {
        ByteBuffer data = littleEndian(image);
        int limit = Math.min(image.length, SEARCH_LIMIT);
        int firstBadChecksum = -1;
        for (int offset = 0; offset + 4 <= limit; offset += 4) {
            if (data.getInt(offset) != MAGIC) continue;
            if (offset + BASIC_LENGTH > image.length) {
                throw new KernelLoadException(file, offset, "multiboot header cut off by the end of the file");
            }
            int flags = data.getInt(offset + 4);
            int checksum = data.getInt(offset + 8);
            if (MAGIC + flags + checksum != 0) {
                if (firstBadChecksum < 0) firstBadChecksum = offset;
                continue;
            }
            return Optional.of(parse(file, data, offset, flags));
        }
        if (firstBadChecksum >= 0) {
            int flags = data.getInt(firstBadChecksum + 4);
            int checksum = data.getInt(firstBadChecksum + 8);
            throw new KernelLoadException(
                    file,
                    firstBadChecksum,
                    String.format(
                            "malformed multiboot header: checksum 0x%08x does not make magic 0x%08x + flags 0x%08x sum"
                                    + " to zero (expected 0x%08x)",
                            checksum, MAGIC, flags, -(MAGIC + flags)));
        }
        return Optional.empty();
    }

    private static MultibootHeader parse(String file, ByteBuffer data, int offset, int flags) {
        int unknownRequired = flags & REQUIRED_FLAGS_MASK & ~KNOWN_REQUIRED_FLAGS;
        if (unknownRequired != 0) {
            throw new KernelLoadException(
                    file,
                    offset + 4,
                    String.format(
                            "multiboot header requires features 0x%04x that vmm4j does not provide (flags 0x%08x)",
                            unknownRequired, flags));
        }
        if ((flags & FLAG_AOUT_KLUDGE) == 0) return new MultibootHeader(offset, flags, 0, 0, 0, 0, 0);
        if (offset + AOUT_LENGTH > data.capacity()) {
            throw new KernelLoadException(
                    file, offset, "multiboot header with the a.out kludge (flag 16) cut off by the end of the file");
        }
        return new MultibootHeader(
                offset,
                flags,
                u32(data, offset + 12),
                u32(data, offset + 16),
                u32(data, offset + 20),
                u32(data, offset + 24),
                u32(data, offset + 28));
    }

    static long u32(ByteBuffer data, int offset) {
        return Integer.toUnsignedLong(data.getInt(offset));
    }

    static ByteBuffer littleEndian(byte[] image) {
        return ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
    }
}
