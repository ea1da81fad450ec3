package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.boot.PayloadDecompressor.Format;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PayloadDecompressorTest {
    private static final byte[] DATA = TestImages.pattern(300_000, 7);

    private static byte[] decompress(byte[] payload) {
        return PayloadDecompressor.decompressKernelPayload(payload, 0, payload.length, "payload", 0x1000);
    }

    @Test
    void everySupportedFormatRoundTrips() {
        assertRoundTrip(Format.GZIP, TestImages.gzip(DATA));
        assertRoundTrip(Format.XZ, TestImages.xz(DATA));
        assertRoundTrip(Format.ZSTD, TestImages.zstd(DATA));
        assertRoundTrip(Format.LZ4_LEGACY, TestImages.lz4Legacy(DATA, 8 << 20, Integer.MAX_VALUE));
    }

    @Test
    void lz4LegacyWithManyBlocksAndAFrameRestart() {
        assertRoundTrip(Format.LZ4_LEGACY, TestImages.lz4Legacy(DATA, 64 << 10, 2));
    }

    private static void assertRoundTrip(Format format, byte[] payload) {
        assertEquals(format, PayloadDecompressor.detect(payload, 0, payload.length, "payload", 0));
        assertArrayEquals(DATA, decompress(payload), format.toString());
    }

    @Test
    void unsupportedAndUnknownFormatsAreNamed() {
        var bzip2 = assertThrows(KernelLoadException.class, () -> decompress("BZh91AY&SY....".getBytes()));
        assertTrue(bzip2.getMessage().contains("bzip2 is not supported"), bzip2.getMessage());
        var unknown = assertThrows(KernelLoadException.class, () -> decompress(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        assertEquals("payload at offset 0x1000: unknown payload compression: magic 01 02 03 04", unknown.getMessage());
    }

    @Test
    void corruptLz4BlocksAreReportedAtTheirOffset() {
        byte[] good = TestImages.lz4Legacy(DATA, 64 << 10, Integer.MAX_VALUE);
        byte[] badSize = good.clone();
        ByteBuffer.wrap(badSize).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x7fff_0000);
        var error = assertThrows(KernelLoadException.class, () -> decompress(badSize));
        assertTrue(error.getMessage().startsWith("payload at offset 0x1004: corrupt LZ4 block"), error.getMessage());

        byte[] garbage = good.clone();
        Arrays.fill(garbage, 8, 200, (byte) 0xff); // literal lengths of 0xff... run far past the block
        var corrupt = assertThrows(KernelLoadException.class, () -> decompress(garbage));
        assertTrue(
                corrupt.getMessage().startsWith("payload at offset 0x1004: corrupt LZ4 block"), corrupt.getMessage());

        byte[] truncated = Arrays.copyOf(good, good.length / 2);
        assertThrows(KernelLoadException.class, () -> decompress(truncated));
    }

    @Test
    void sizeWordsAreCheckedBeforeAllocatingAndAfterDecompressing() {
        byte[] huge = TestImages.withSizeWord(
                Arrays.copyOf(TestImages.zstd(DATA), TestImages.zstd(DATA).length - 4), Integer.MAX_VALUE);
        var error = assertThrows(KernelLoadException.class, () -> decompress(huge));
        assertTrue(
                error.getMessage().contains("recorded decompressed size 2147483647 is not between"),
                error.getMessage());

        byte[] small = TestImages.lz4Legacy(DATA, 64 << 10, Integer.MAX_VALUE);
        ByteBuffer.wrap(small).order(ByteOrder.LITTLE_ENDIAN).putInt(small.length - 4, DATA.length - 1);
        assertThrows(KernelLoadException.class, () -> decompress(small));
        byte[] large = TestImages.xz(DATA);
        ByteBuffer.wrap(large).order(ByteOrder.LITTLE_ENDIAN).putInt(large.length - 4, DATA.length + 1);
        var mismatch = assertThrows(KernelLoadException.class, () -> decompress(large));
        assertTrue(
                mismatch.getMessage().contains("decompressed to 300000 bytes, but its size word says 300001"),
                mismatch.getMessage());
    }

    @Test
    void corruptGzipXzAndZstdAreKernelLoadErrors() {
        for (byte[] good : new byte[][] {TestImages.gzip(DATA), TestImages.xz(DATA), TestImages.zstd(DATA)}) {
            byte[] bad = good.clone();
            for (int i = 20; i < 60; i++) bad[i] ^= 0x5a;
            var error = assertThrows(KernelLoadException.class, () -> decompress(bad));
            assertTrue(
                    error.getMessage().contains("corrupt") || error.getMessage().contains("size word"),
                    error.getMessage());
        }
    }
}
