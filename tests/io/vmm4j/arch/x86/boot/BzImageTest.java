package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.arch.x86.KernelLoadException;
import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class BzImageTest {
    private static final byte[] CODE = TestImages.pattern(0x2345, 3);
    private static final byte[] VMLINUX =
            TestImages.elf(0x100_0000, 0xffff_ffff_8100_0000L, 0x100_0000, CODE, 0x1000, null);

    private static byte[] image(byte[] payload) {
        return TestImages.bzImage(payload, 0x020f, 27, 0x7f);
    }

    @Test
    void theSetupHeaderIsRead() {
        SetupHeader header =
                BzImage.parse(image(TestImages.gzip(VMLINUX)), "bz").header();
        assertEquals(0x020f, header.version());
        assertEquals(27, header.setupSects());
        assertEquals(28 * 512, header.protectedModeOffset());
        assertTrue(header.has64BitEntry());
        assertEquals(2047, header.cmdlineSize());
        assertEquals(0x7fffffffL, header.initrdAddrMax());
        assertEquals(0x100_0000, header.prefAddress());
    }

    @Test
    void zeroSetupSectsMeansFour() {
        assertEquals(
                5 * 512,
                BzImage.parse(TestImages.bzImage(new byte[16], 0x020f, 0, 1), "bz")
                        .protectedModeOffset());
    }

    @Test
    void asIsTheProtectedModeKernelGoesToOneMibAndEntersAt0x200() {
        byte[] image = image(TestImages.lz4Legacy(VMLINUX, 8 << 20, Integer.MAX_VALUE));
        SparseGuestMemory memory = new SparseGuestMemory(64L << 20);
        LoadedKernel kernel = BzImage.parse(image, "bz").loadAsIs(memory);
        assertEquals(0x100200, kernel.entryPoint());
        assertEquals(0x100000, kernel.loadStart());
        int protectedMode = image.length - 28 * 512;
        assertEquals(0x100000 + protectedMode, kernel.loadEnd());
        assertEquals(0x100_0000 + 0x200000, kernel.reservedEnd(), "pref_address + init_size");
        assertArrayEquals(Arrays.copyOfRange(image, 28 * 512, image.length), memory.read(0x100000, protectedMode));
        assertEquals(OptionalLong.empty(), kernel.pvhEntryPoint());
    }

    @Test
    void decompressedTheVmlinuxInsideGoesToItsPhysicalAddress() {
        for (byte[] payload : new byte[][] {
            TestImages.gzip(VMLINUX),
            TestImages.xz(VMLINUX),
            TestImages.zstd(VMLINUX),
            TestImages.lz4Legacy(VMLINUX, 8 << 20, Integer.MAX_VALUE)
        }) {
            SparseGuestMemory memory = new SparseGuestMemory(64L << 20);
            BzImage bzImage = BzImage.parse(image(payload), "bz");
            LoadedKernel kernel = bzImage.loadDecompressed(memory);
            assertEquals(
                    0x100_0000, kernel.entryPoint(), bzImage.payloadFormat().toString());
            assertArrayEquals(CODE, memory.read(0x100_0000, CODE.length));
            assertEquals(0x0f, kernel.setupHeader().version() & 0xff, "the bzImage's header goes with it");
        }
    }

    @Test
    void oldProtocolsAndMissing64BitEntriesAreRefusedWithTheVersion() {
        var old = assertThrows(
                KernelLoadException.class, () -> BzImage.parse(TestImages.bzImage(new byte[16], 0x0205, 4, 0), "old"));
        assertEquals("old at offset 0x206: boot protocol 2.05 is too old: vmm4j needs 2.06 or newer", old.getMessage());
        BzImage no64 = BzImage.parse(TestImages.bzImage(new byte[16], 0x020b, 4, 0), "i386");
        var error = assertThrows(KernelLoadException.class, () -> no64.loadAsIs(new SparseGuestMemory(64L << 20)));
        assertTrue(error.getMessage().contains("no 64-bit entry point (protocol 2.11"), error.getMessage());
    }

    @Test
    void truncatedAndWrongMagicImagesAreClearErrors() {
        byte[] good = image(TestImages.zstd(VMLINUX));
        var shortFile = assertThrows(KernelLoadException.class, () -> BzImage.parse(Arrays.copyOf(good, 0x100), "bz"));
        assertTrue(shortFile.getMessage().startsWith("bz at offset 0x100: truncated"), shortFile.getMessage());
        var noSetup = assertThrows(KernelLoadException.class, () -> BzImage.parse(Arrays.copyOf(good, 0x1000), "bz"));
        assertTrue(
                noSetup.getMessage().contains("the protected-mode kernel should start at 0x3800"),
                noSetup.getMessage());
        BzImage cut = BzImage.parse(Arrays.copyOf(good, good.length - 200), "bz");
        var payload = assertThrows(KernelLoadException.class, cut::decompressPayload);
        assertTrue(payload.getMessage().contains("is not inside the protected-mode kernel"), payload.getMessage());
        byte[] noFlag = good.clone();
        noFlag[0x1fe] = 0;
        var flag = assertThrows(KernelLoadException.class, () -> BzImage.parse(noFlag, "bz"));
        assertEquals("bz at offset 0x1fe: not a bzImage: boot_flag is 0xaa00, expected 0xaa55", flag.getMessage());
        byte[] noHdrS = good.clone();
        noHdrS[0x203] = 'X';
        assertThrows(KernelLoadException.class, () -> BzImage.parse(noHdrS, "bz"));
    }

    @Test
    void aKernelThatNeedsMoreRamThanTheVmHasIsRefused() {
        BzImage bzImage = BzImage.parse(image(TestImages.gzip(VMLINUX)), "bz");
        var error = assertThrows(KernelLoadException.class, () -> bzImage.loadAsIs(new SparseGuestMemory(16L << 20)));
        assertTrue(error.getMessage().contains("needs RAM up to 0x1200000"), error.getMessage());
    }
}
