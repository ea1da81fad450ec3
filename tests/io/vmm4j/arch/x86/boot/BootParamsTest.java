package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmm4j.arch.x86.E820Entry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Offsets are literals copied from Documentation/arch/x86/boot.rst ("THE REAL-MODE KERNEL HEADER"
 * table) and zero-page.rst / bootparam.h, not the constants under test.
 */
class BootParamsTest {
    private static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static SetupHeader header() {
        byte[] image = TestImages.bzImage(new byte[64], 0x020f, 27, 0x7f);
        return SetupHeader.parse(image, "test");
    }

    @Test
    void constantsMatchTheProtocolTables() {
        int[][] expected = {
            {BootParams.ACPI_RSDP_ADDR, 0x070},
            {BootParams.EXT_RAMDISK_IMAGE, 0x0c0},
            {BootParams.EXT_RAMDISK_SIZE, 0x0c4},
            {BootParams.EXT_CMD_LINE_PTR, 0x0c8},
            {BootParams.E820_ENTRIES, 0x1e8},
            {BootParams.SENTINEL, 0x1ef},
            {BootParams.SETUP_SECTS, 0x1f1},
            {BootParams.BOOT_FLAG, 0x1fe},
            {BootParams.JUMP, 0x200},
            {BootParams.HEADER, 0x202},
            {BootParams.VERSION, 0x206},
            {BootParams.TYPE_OF_LOADER, 0x210},
            {BootParams.LOADFLAGS, 0x211},
            {BootParams.CODE32_START, 0x214},
            {BootParams.RAMDISK_IMAGE, 0x218},
            {BootParams.RAMDISK_SIZE, 0x21c},
            {BootParams.HEAP_END_PTR, 0x224},
            {BootParams.CMD_LINE_PTR, 0x228},
            {BootParams.INITRD_ADDR_MAX, 0x22c},
            {BootParams.KERNEL_ALIGNMENT, 0x230},
            {BootParams.RELOCATABLE_KERNEL, 0x234},
            {BootParams.XLOADFLAGS, 0x236},
            {BootParams.CMDLINE_SIZE, 0x238},
            {BootParams.PAYLOAD_OFFSET, 0x248},
            {BootParams.PAYLOAD_LENGTH, 0x24c},
            {BootParams.PREF_ADDRESS, 0x258},
            {BootParams.INIT_SIZE, 0x260},
            {BootParams.E820_TABLE, 0x2d0},
            {BootParams.E820_ENTRY_SIZE, 20},
            {BootParams.E820_MAX_ENTRIES, 128},
            {BootParams.SIZE, 4096},
        };
        for (int[] pair : expected) assertEquals(pair[1], pair[0], "offset 0x" + Integer.toHexString(pair[1]));
    }

    @Test
    void everyFieldWeWriteLandsAtItsDocumentedOffset() {
        byte[] page = new BootParams(header())
                .setCodeStart(0x100000)
                .setCommandLine(0x1_2345_6000L)
                .setRamdisk(0x2_7000_0000L, 0x1_0000_1000L)
                .setAcpiRsdp(0xE0000)
                .setE820(List.of(new E820Entry(0, 0x9fc00, 1), new E820Entry(0x100000, 0x7f00000, 1)))
                .toBytes();
        ByteBuffer b = le(page);
        assertEquals(4096, page.length);
        assertEquals(0xAA55, b.getShort(0x1fe) & 0xffff, "boot_flag");
        assertEquals(0x53726448, b.getInt(0x202), "header HdrS");
        assertEquals(0x020f, b.getShort(0x206), "version");
        assertEquals(0xff, page[0x210] & 0xff, "type_of_loader");
        assertEquals(0x81, page[0x211] & 0xff, "loadflags LOADED_HIGH | CAN_USE_HEAP");
        assertEquals(0x100000, b.getInt(0x214), "code32_start");
        assertEquals(0xfe00 - 0x200, b.getShort(0x224) & 0xffff, "heap_end_ptr");
        assertEquals(0x2345_6000, b.getInt(0x228), "cmd_line_ptr");
        assertEquals(0x1, b.getInt(0x0c8), "ext_cmd_line_ptr");
        assertEquals(0x7000_0000, b.getInt(0x218), "ramdisk_image");
        assertEquals(0x2, b.getInt(0x0c0), "ext_ramdisk_image");
        assertEquals(0x1000, b.getInt(0x21c), "ramdisk_size");
        assertEquals(0x1, b.getInt(0x0c4), "ext_ramdisk_size");
        assertEquals(0xE0000L, b.getLong(0x070), "acpi_rsdp_addr");
        assertEquals(2, page[0x1e8], "e820_entries");
        assertEquals(0L, b.getLong(0x2d0));
        assertEquals(0x9fc00L, b.getLong(0x2d8));
        assertEquals(1, b.getInt(0x2e0));
        assertEquals(0x100000L, b.getLong(0x2d0 + 20));
        assertEquals(0x7f00000L, b.getLong(0x2d0 + 28));
        assertEquals(1, b.getInt(0x2d0 + 36));
        // Read-only header fields come through from the kernel untouched.
        assertEquals(0x7fffffff, b.getInt(0x22c), "initrd_addr_max");
        assertEquals(0x200000, b.getInt(0x230), "kernel_alignment");
        assertEquals(1, page[0x234], "relocatable_kernel");
        assertEquals(0x7f, b.getShort(0x236), "xloadflags");
        assertEquals(2047, b.getInt(0x238), "cmdline_size");
        assertEquals(TestImages.PROTECTED_MODE_CODE, b.getInt(0x248), "payload_offset");
        assertEquals(64, b.getInt(0x24c), "payload_length");
        assertEquals(0x1000000L, b.getLong(0x258), "pref_address");
        assertEquals(0x200000, b.getInt(0x260), "init_size");
        assertEquals(0, page[0x1ef], "sentinel stays 0 so the kernel trusts the fields");
    }

    @Test
    void theSetupHeaderStopsWhereTheKernelsHeaderEnds() {
        byte[] image = TestImages.bzImage(new byte[64], 0x020f, 27, 0x7f);
        image[0x26c] = 0x55; // the first byte past a 2.15 header (its jump lands at 0x26c)
        byte[] page = new BootParams(SetupHeader.parse(image, "test")).toBytes();
        assertEquals(0, page[0x26c]);
    }

    @Test
    void atMost128E820Entries() {
        List<E820Entry> many = Collections.nCopies(129, new E820Entry(0, 4096, 1));
        assertThrows(IllegalArgumentException.class, () -> new BootParams(header()).setE820(many));
        new BootParams(header()).setE820(many.subList(0, 128));
    }
}
