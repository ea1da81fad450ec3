package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.arch.x86.KernelLoadException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ElfKernelTest {
    private static final long KERNEL_MAP = 0xffff_ffff_8000_0000L; // Linux's __START_KERNEL_map
    private static final byte[] CODE = TestImages.pattern(0x3000, 1);

    @Test
    void segmentsLoadAtTheirPhysicalAddressesWithBssZeroed() {
        byte[] image = TestImages.elf(0x100_0000, KERNEL_MAP + 0x100_0000, KERNEL_MAP + 0x100_0040, CODE, 0x2000, null);
        SparseGuestMemory memory = new SparseGuestMemory(64L << 20);
        memory.write(0x100_3000, new byte[] {9, 9, 9, 9}); // stale bytes where the BSS goes
        LoadedKernel kernel = ElfKernel.parse(image, "vmlinux").load(memory, SetupHeader.forElfKernel());
        assertEquals(BootProtocol.LINUX_64, kernel.protocol());
        assertEquals(0x100_0040, kernel.entryPoint(), "virtual entry translated through the first PT_LOAD");
        assertEquals(0x100_0000, kernel.loadStart());
        assertEquals(0x100_5000, kernel.loadEnd());
        assertArrayEquals(CODE, memory.read(0x100_0000, CODE.length));
        assertArrayEquals(new byte[0x2000], memory.read(0x100_3000, 0x2000));
        assertEquals(OptionalLong.empty(), kernel.pvhEntryPoint());
    }

    @Test
    void aPhysicalEntryIsKeptAsIsAsInLinuxVmlinux() {
        byte[] image = TestImages.elf(0x100_0000, KERNEL_MAP + 0x100_0000, 0x100_0000, CODE, 0, null);
        assertEquals(0x100_0000, ElfKernel.parse(image, "vmlinux").entryPoint());
    }

    @Test
    void thePvhNoteGivesThePvhEntry() {
        byte[] image = TestImages.elf(0x100_0000, KERNEL_MAP + 0x100_0000, 0x100_0000, CODE, 0, 0x100_1234L);
        ElfKernel elf = ElfKernel.parse(image, "vmlinux");
        assertEquals(OptionalLong.of(0x100_1234), elf.pvhEntryPoint());
        LoadedKernel pvh = elf.load(new SparseGuestMemory(64L << 20), SetupHeader.forElfKernel())
                .asPvh();
        assertEquals(BootProtocol.PVH, pvh.protocol());
        assertEquals(0x100_1234, pvh.entryPoint());
    }

    @Test
    void aSegmentOutsideRamIsRefusedNamingTheFileAndHeaderOffset() {
        byte[] image = TestImages.elf(0x400_0000, 0x400_0000, 0x400_0000, CODE, 0, null);
        SparseGuestMemory memory = new SparseGuestMemory(64L << 20);
        var error = assertThrows(
                KernelLoadException.class,
                () -> ElfKernel.parse(image, "big.elf").load(memory, SetupHeader.forElfKernel()));
        assertTrue(
                error.getMessage().startsWith("big.elf at offset 0x40: segment [0x4000000, 0x4003000) is outside"),
                error.getMessage());
        assertEquals(0, memory.touchedPages(), "nothing is written when a segment does not fit");
        byte[] low = TestImages.elf(0x1000, 0x1000, 0x1000, CODE, 0, null);
        assertThrows(
                KernelLoadException.class,
                () -> ElfKernel.parse(low, "low.elf").load(memory, SetupHeader.forElfKernel()),
                "a segment over the boot structures below 1 MiB");
    }

    @Test
    void malformedHeadersAreClearErrors() {
        byte[] good = TestImages.elf(0x100_0000, 0x100_0000, 0x100_0000, CODE, 0, null);
        assertError(Arrays.copyOf(good, 40), 40, "truncated");
        assertError(with(good, 4, 1), 4, "not a 64-bit ELF");
        assertError(with(good, 18, 3), 18, "not an x86-64 ELF");
        assertError(with(good, 57, 0x10), 32, "run past the end of the file");
        byte[] hugeSegment = good.clone();
        ByteBuffer.wrap(hugeSegment).order(ByteOrder.LITTLE_ENDIAN).putLong(96, Long.MAX_VALUE);
        assertError(hugeSegment, 64, "run past the end of the file");
        byte[] shortMem = good.clone();
        ByteBuffer.wrap(shortMem).order(ByteOrder.LITTLE_ENDIAN).putLong(104, 1);
        assertError(shortMem, 64, "p_memsz 1 is smaller");
        byte[] badEntry = good.clone();
        ByteBuffer.wrap(badEntry).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 0x5000_0000L);
        assertError(badEntry, 24, "in no PT_LOAD segment");
        byte[] badNote = TestImages.elf(0x100_0000, 0x100_0000, 0x100_0000, CODE, 0, 0x100_0000L);
        ByteBuffer.wrap(badNote).order(ByteOrder.LITTLE_ENDIAN).putInt(64 + 2 * 56 + 4, 1000);
        assertError(badNote, 64 + 2 * 56, "runs past the end of its PT_NOTE");
    }

    private static byte[] with(byte[] image, int offset, int value) {
        byte[] copy = image.clone();
        copy[offset] = (byte) value;
        return copy;
    }

    private static void assertError(byte[] image, long offset, String text) {
        var error = assertThrows(KernelLoadException.class, () -> ElfKernel.parse(image, "bad.elf"));
        assertEquals(OptionalLong.of(offset), error.offset(), error.getMessage());
        assertTrue(
                error.getMessage().startsWith("bad.elf at offset 0x" + Long.toHexString(offset) + ": "),
                error.getMessage());
        assertTrue(error.getMessage().contains(text), error.getMessage());
    }
}
