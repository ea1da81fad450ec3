package io.vmm4j.arch.x86.boot;

import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZOutputStream;

/** Small kernels made in tests: ELF64 files, bzImages around a payload, and the kernel's compressions. */
public final class TestImages {
    static final int PROTECTED_MODE_CODE = 0x400; // bytes before the payload in the protected-mode kernel

    private TestImages() {}

    /** An ELF64 x86-64 executable with one PT_LOAD (code then bss zeros) and, optionally, a PVH note. */
    public static byte[] elf(long paddr, long vaddr, long entry, byte[] code, long bss, Long pvhEntry) {
        int phnum = pvhEntry == null ? 1 : 2;
        int noteOffset = 64 + phnum * 56;
        int noteSize = pvhEntry == null ? 0 : 12 + 4 + 8;
        int codeOffset = 0x1000;
        ByteBuffer b = ByteBuffer.allocate(codeOffset + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 2)
                .putShort(18, (short) 62)
                .putInt(20, 1)
                .putLong(24, entry)
                .putLong(32, 64)
                .putShort(52, (short) 64)
                .putShort(54, (short) 56)
                .putShort(56, (short) phnum);
        b.putInt(64, 1)
                .putInt(68, 5)
                .putLong(72, codeOffset)
                .putLong(80, vaddr)
                .putLong(88, paddr)
                .putLong(96, code.length)
                .putLong(104, code.length + bss)
                .putLong(112, 0x1000);
        if (pvhEntry != null) {
            b.putInt(120, 4)
                    .putLong(128, noteOffset)
                    .putLong(152, noteSize)
                    .putLong(160, noteSize)
                    .putLong(168, 4);
            b.putInt(noteOffset, 4).putInt(noteOffset + 4, 8).putInt(noteOffset + 8, 18);
            b.put(noteOffset + 12, new byte[] {'X', 'e', 'n', 0});
            b.putLong(noteOffset + 16, pvhEntry);
        }
        b.put(codeOffset, code);
        return b.array();
    }

    static byte[] pattern(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte) ((i * 31 + seed) ^ (i >>> 7));
        return bytes;
    }

    /** A bzImage of protocol {@code version} whose protected-mode kernel holds {@code payload}. */
    static byte[] bzImage(byte[] payload, int version, int setupSects, int xloadflags) {
        int setupBytes = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
        ByteBuffer b = ByteBuffer.allocate(setupBytes + PROTECTED_MODE_CODE + payload.length + 16)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(0x1f1, (byte) setupSects);
        b.putShort(0x1fe, (short) 0xAA55);
        b.put(0x200, (byte) 0xeb).put(0x201, (byte) 0x6a);
        b.putInt(0x202, 0x53726448).putShort(0x206, (short) version);
        b.put(0x211, (byte) 0x01).putInt(0x214, 0x100000);
        b.putInt(0x22c, 0x7fffffff).putInt(0x230, 0x200000).put(0x234, (byte) 1).putShort(0x236, (short) xloadflags);
        b.putInt(0x238, 2047).putInt(0x248, PROTECTED_MODE_CODE).putInt(0x24c, payload.length);
        b.putLong(0x258, 0x1000000).putInt(0x260, 0x200000);
        for (int i = 0; i < PROTECTED_MODE_CODE; i++) b.put(setupBytes + i, (byte) 0x90);
        b.put(setupBytes + PROTECTED_MODE_CODE, payload);
        return b.array();
    }

    static byte[] withSizeWord(byte[] compressed, int size) {
        byte[] out = Arrays.copyOf(compressed, compressed.length + 4);
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putInt(compressed.length, size);
        return out;
    }

    static byte[] gzip(byte[] data) {
        return stream(data, GZIPOutputStream::new);
    }

    /** As the kernel's xz_wrap.sh: the x86 BCJ filter, then LZMA2, CRC32 check; plus the size word. */
    static byte[] xz(byte[] data) {
        return withSizeWord(
                stream(
                        data,
                        out -> new XZOutputStream(
                                out,
                                new FilterOptions[] {new X86Options(), new LZMA2Options()},
                                org.tukaani.xz.XZ.CHECK_CRC32)),
                data.length);
    }

    /** Streaming zstd, which records no content size, as `zstd` on a pipe does for the kernel. */
    static byte[] zstd(byte[] data) {
        return withSizeWord(stream(data, ZstdOutputStream::new), data.length);
    }

    /** The lz4 tool's legacy format with blocks of {@code blockSize}, a new frame every {@code frameBlocks} blocks. */
    static byte[] lz4Legacy(byte[] data, int blockSize, int frameBlocks) {
        Lz4Compressor lz4 = new Lz4Compressor();
        ByteBuffer out = ByteBuffer.allocate(data.length * 2 + 1024).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(PayloadDecompressor.LZ4_LEGACY_MAGIC);
        int blocks = 0;
        for (int at = 0; at < data.length; at += blockSize) {
            if (blocks > 0 && blocks % frameBlocks == 0) out.putInt(PayloadDecompressor.LZ4_LEGACY_MAGIC);
            int n = Math.min(blockSize, data.length - at);
            byte[] block = new byte[lz4.maxCompressedLength(n)];
            int size = lz4.compress(data, at, n, block, 0, block.length);
            out.putInt(size).put(block, 0, size);
            blocks++;
        }
        return withSizeWord(Arrays.copyOf(out.array(), out.position()), data.length);
    }

    interface StreamFactory {
        OutputStream wrap(OutputStream out) throws IOException;
    }

    private static byte[] stream(byte[] data, StreamFactory factory) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = factory.wrap(bytes)) {
            out.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
