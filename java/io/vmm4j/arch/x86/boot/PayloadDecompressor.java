package io.vmm4j.arch.x86.boot;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.vmm4j.arch.x86.KernelLoadException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Decompresses a bzImage payload on the host. The kernel build appends the decompressed size as a
 * little-endian u32 to every payload (for gzip it is the stream's own ISIZE), so the output is
 * allocated once, at its exact size, after a check against {@link #MAX_DECOMPRESSED_SIZE}.
 */
public final class PayloadDecompressor {
    /** No kernel is this large; a bigger size word means a corrupt payload, not a reason to allocate. */
    public static final int MAX_DECOMPRESSED_SIZE = 512 << 20;

    static final int LZ4_LEGACY_MAGIC = 0x184C2102;
    /** The lz4 tool's legacy format splits input into blocks of 8 MiB. */
    static final int LZ4_LEGACY_BLOCK_SIZE = 8 << 20;

    private static final int XZ_MEMORY_LIMIT_KIB = 256 << 10;

    public enum Format {
        GZIP("gzip"),
        XZ("xz"),
        ZSTD("zstd"),
        LZ4_LEGACY("LZ4 (legacy frame)"),
        BZIP2("bzip2"),
        LZMA("lzma"),
        LZO("lzo");

        private final String displayName;

        Format(String displayName) {
            this.displayName = displayName;
        }

        public boolean isSupported() {
            return ordinal() <= LZ4_LEGACY.ordinal();
        }

        @Override
        public String toString() {
            return displayName;
        }
    }

    private PayloadDecompressor() {}

    /**
     * The compression of the {@code length} bytes at {@code offset}, by its magic.
     *
     * @param fileOffset where {@code data[offset]} is in the file, for messages
     */
    public static Format detect(byte[] data, int offset, int length, String source, long fileOffset) {
        if (length < 4)
            throw new KernelLoadException(source, fileOffset, "payload of " + length + " bytes is too short");
        int b0 = data[offset] & 0xff,
                b1 = data[offset + 1] & 0xff,
                b2 = data[offset + 2] & 0xff,
                b3 = data[offset + 3] & 0xff;
        if (b0 == 0x1f && (b1 == 0x8b || b1 == 0x9e)) return Format.GZIP;
        if (b0 == 0xfd && b1 == '7' && b2 == 'z' && b3 == 'X') return Format.XZ;
        if (b0 == 0x28 && b1 == 0xb5 && b2 == 0x2f && b3 == 0xfd) return Format.ZSTD;
        if (le32(data, offset) == LZ4_LEGACY_MAGIC) return Format.LZ4_LEGACY;
        if (b0 == 'B' && b1 == 'Z' && b2 == 'h') return Format.BZIP2;
        if (b0 == 0x5d && b1 == 0 && b2 == 0) return Format.LZMA;
        if (b0 == 0x89 && b1 == 'L' && b2 == 'Z' && b3 == 'O') return Format.LZO;
        throw new KernelLoadException(
                source,
                fileOffset,
                String.format("unknown payload compression: magic %02x %02x %02x %02x", b0, b1, b2, b3));
    }

    /**
     * Decompresses a kernel payload (compressed data followed by its decompressed size as a u32).
     *
     * @throws KernelLoadException for an unsupported or unknown format, a corrupt stream, or a size
     *     that differs from the recorded one
     */
    public static byte[] decompressKernelPayload(byte[] data, int offset, int length, String source, long fileOffset) {
        Format format = detect(data, offset, length, source, fileOffset);
        if (!format.isSupported()) {
            throw new KernelLoadException(
                    source,
                    fileOffset,
                    "payload compression " + format
                            + " is not supported; rebuild the kernel with gzip, xz, zstd or LZ4");
        }
        if (length < 8)
            throw new KernelLoadException(source, fileOffset, "payload of " + length + " bytes is too short");
        long expected = le32(data, offset + length - 4) & 0xffff_ffffL;
        long sizeOffset = fileOffset + length - 4;
        if (expected == 0 || expected > MAX_DECOMPRESSED_SIZE) {
            throw new KernelLoadException(
                    source,
                    sizeOffset,
                    "the recorded decompressed size " + expected + " is not between 1 and " + MAX_DECOMPRESSED_SIZE
                            + " bytes: corrupt payload");
        }
        byte[] out = new byte[(int) expected];
        // Only gzip's size word is part of its stream; the others' follows it.
        int streamLength = format == Format.GZIP ? length : length - 4;
        int produced;
        try {
            produced = switch (format) {
                case LZ4_LEGACY -> lz4Legacy(data, offset, streamLength, out, source, fileOffset);
                case ZSTD -> new ZstdDecompressor().decompress(data, offset, streamLength, out, 0, out.length);
                case GZIP -> readFully(new GZIPInputStream(new ByteArrayInputStream(data, offset, streamLength)), out);
                case XZ ->
                    readFully(
                            new XZInputStream(
                                    new ByteArrayInputStream(data, offset, streamLength), XZ_MEMORY_LIMIT_KIB),
                            out);
                default -> throw new IllegalStateException(format.name());
            };
        } catch (KernelLoadException e) {
            throw e;
        } catch (IOException | RuntimeException e) { // the libraries' malformed-input errors included
            long at = e instanceof MalformedInputException malformed && format == Format.ZSTD
                    ? fileOffset + malformed.getOffset()
                    : fileOffset;
            throw new KernelLoadException(source, at, "corrupt " + format + " payload: " + e.getMessage(), e);
        }
        if (produced != expected) {
            throw new KernelLoadException(
                    source,
                    sizeOffset,
                    "the " + format + " payload decompressed to "
                            + (produced > expected ? "more than " + expected : String.valueOf(produced))
                            + " bytes, but its size word says " + expected);
        }
        return out;
    }

    /**
     * The lz4 tool's legacy format: the magic, then blocks of [u32 compressed size][LZ4 block], each
     * decompressing to at most 8 MiB. A size word equal to the magic starts a new frame (as for
     * concatenated files); the data ends at the end of the range.
     */
    static int lz4Legacy(byte[] data, int offset, int length, byte[] out, String source, long fileOffset) {
        int end = offset + length;
        int at = offset + 4;
        int written = 0;
        Lz4Decompressor lz4 = new Lz4Decompressor();
        while (at < end) {
            long here = fileOffset + (at - offset);
            if (end - at < 4) {
                throw new KernelLoadException(
                        source, here, "truncated LZ4 block size word (" + (end - at) + " bytes left)");
            }
            int blockSize = le32(data, at);
            at += 4;
            if (blockSize == LZ4_LEGACY_MAGIC) continue;
            if (blockSize <= 0 || blockSize > end - at) {
                throw new KernelLoadException(
                        source,
                        here,
                        "corrupt LZ4 block: its size word says " + Integer.toUnsignedString(blockSize) + " bytes but "
                                + (end - at) + " remain in the payload");
            }
            int room = Math.min(LZ4_LEGACY_BLOCK_SIZE, out.length - written);
            try {
                written += lz4.decompress(data, at, blockSize, out, written, room);
            } catch (MalformedInputException | IndexOutOfBoundsException e) {
                throw new KernelLoadException(
                        source,
                        here,
                        "corrupt LZ4 block of " + blockSize + " bytes (or it decompresses to more than " + room
                                + " bytes): " + e.getMessage(),
                        e);
            }
            at += blockSize;
        }
        return written;
    }

    private static int readFully(InputStream in, byte[] out) throws IOException {
        try (in) {
            int n = in.readNBytes(out, 0, out.length);
            if (n == out.length && in.read() >= 0) return n + 1; // more than recorded: reported by the caller
            return n;
        }
    }

    static int le32(byte[] data, int at) {
        return (data[at] & 0xff)
                | (data[at + 1] & 0xff) << 8
                | (data[at + 2] & 0xff) << 16
                | (data[at + 3] & 0xff) << 24;
    }
}
