package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.x86.Register;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.arch.x86.boot.LinuxBootSetup.BootOptions;
import io.vmm4j.arch.x86.boot.LinuxBootSetup.EntryState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LinuxBootSetupTest {
    private static final long RAM = 6L << 30; // split around the gap, to see both e820 halves
    private static final LoadedKernel KERNEL = new LoadedKernel(
            BootProtocol.LINUX_64,
            0x100_0000,
            0x100_0000,
            0x200_0000,
            0x300_0000,
            SetupHeader.forElfKernel(),
            OptionalLong.of(0x100_0850));
    private static final BootOptions OPTIONS = BootOptions.of(CommandLine.of("console=ttyS0", "earlyprintk=serial"))
            .withInitrd(new LoadedInitrd(0xBFF0_0000L, 0x8_0000))
            .withAcpiRsdp(0xE0000);

    @Test
    void linux64WritesZeroPageCommandLineGdtAndIdentityMap() {
        SparseGuestMemory memory = new SparseGuestMemory(RAM);
        EntryState state = LinuxBootSetup.linux64(memory, KERNEL, OPTIONS);

        assertArrayEquals(
                "console=ttyS0 earlyprintk=serial\0".getBytes(StandardCharsets.US_ASCII), memory.read(0x20000, 33));
        assertEquals(0x20000, memory.readInt(0x7000 + 0x228), "cmd_line_ptr");
        assertEquals(0xBFF0_0000, memory.readInt(0x7000 + 0x218), "ramdisk_image");
        assertEquals(0x8_0000, memory.readInt(0x7000 + 0x21c), "ramdisk_size");
        assertEquals(0xE0000L, memory.readLong(0x7000 + 0x070), "acpi_rsdp_addr");
        assertEquals(0xAA55, memory.readShort(0x7000 + 0x1fe) & 0xffff);
        assertEquals((byte) 0xff, memory.readByte(0x7000 + 0x210), "type_of_loader");
        List<E820Entry> e820 = E820Map.forMemory(RAM).entries();
        assertEquals(e820.size(), memory.readByte(0x7000 + 0x1e8));
        for (int i = 0; i < e820.size(); i++) {
            long at = 0x7000 + 0x2d0 + i * 20L;
            assertEquals(
                    e820.get(i), new E820Entry(memory.readLong(at), memory.readLong(at + 8), memory.readInt(at + 16)));
        }

        assertEquals(0L, memory.readLong(0x500));
        assertEquals(0x00af9b000000ffffL, memory.readLong(0x510), "__BOOT_CS: 64-bit code");
        assertEquals(0x00cf93000000ffffL, memory.readLong(0x518), "__BOOT_DS: flat data");
        assertEquals(0xA003L, memory.readLong(0x9000), "PML4[0] -> PDPT");
        for (int i = 0; i < 4; i++)
            assertEquals(0xB003L + i * 0x1000, memory.readLong(0xA000 + i * 8L), "PDPT[" + i + "]");
        assertEquals(0x83L, memory.readLong(0xB000), "2 MiB page at 0");
        assertEquals(0x8000_0083L, memory.readLong(0xB000 + 1024 * 8), "2 MiB page at 2 GiB");
        assertEquals(0xFFE0_0083L, memory.readLong(0xB000 + 2047 * 8), "last 2 MiB page below 4 GiB");

        assertEquals(0x100_0000, state.registers().get(Register.RIP));
        assertEquals(0x7000, state.registers().get(Register.RSI));
        assertEquals(0x8ff0, state.registers().get(Register.RSP));
        assertEquals(0x2, state.registers().get(Register.RFLAGS));
        assertEquals(0x10, state.code().selector());
        assertTrue(state.code().longMode());
        assertFalse(state.code().db());
        assertEquals(0x18, state.data().selector());
        assertEquals(0x8000_0011L, state.cr0(), "PE | ET | PG");
        assertEquals(0x20, state.cr4(), "PAE");
        assertEquals(0x500, state.efer(), "LME | LMA");
        assertEquals(0x9000, state.cr3());
        assertEquals(0x500, state.gdt().base());
        assertEquals(31, state.gdt().limit());
    }

    @Test
    void pvhWritesStartInfoWithMemoryMapAndInitrdModule() {
        SparseGuestMemory memory = new SparseGuestMemory(RAM);
        EntryState state = LinuxBootSetup.prepare(memory, KERNEL.asPvh(), OPTIONS);

        long info = 0x6000;
        assertEquals(0x336ec578, memory.readInt(info), "magic");
        assertEquals(1, memory.readInt(info + 4), "version");
        assertEquals(1, memory.readInt(info + 12), "nr_modules");
        assertEquals(0x6040L, memory.readLong(info + 16), "modlist_paddr");
        assertEquals(0x20000L, memory.readLong(info + 24), "cmdline_paddr");
        assertEquals(0xE0000L, memory.readLong(info + 32), "rsdp_paddr");
        assertEquals(0x6080L, memory.readLong(info + 40), "memmap_paddr");
        List<E820Entry> e820 = E820Map.forMemory(RAM).entries();
        assertEquals(e820.size(), memory.readInt(info + 48), "memmap_entries");
        for (int i = 0; i < e820.size(); i++) {
            long at = 0x6080 + i * 24L;
            assertEquals(
                    e820.get(i), new E820Entry(memory.readLong(at), memory.readLong(at + 8), memory.readInt(at + 16)));
        }
        assertEquals(0xBFF0_0000L, memory.readLong(0x6040), "module paddr");
        assertEquals(0x8_0000L, memory.readLong(0x6048), "module size");
        assertEquals(0x00cf9b000000ffffL, memory.readLong(0x510), "32-bit code");

        assertEquals(0x100_0850, state.registers().get(Register.RIP));
        assertEquals(0x6000, state.registers().get(Register.RBX));
        assertEquals(0x11, state.cr0(), "PE | ET, no paging");
        assertEquals(0, state.cr4());
        assertEquals(0, state.efer());
        assertTrue(state.code().db());
        assertFalse(state.code().longMode());
        assertEquals(0x67, state.tr().limit());
    }
}
