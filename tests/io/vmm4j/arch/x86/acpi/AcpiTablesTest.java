package io.vmm4j.arch.x86.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.arch.x86.MemoryLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class AcpiTablesTest {
    static List<VirtioMmioSlot> slots(int count) {
        List<VirtioMmioSlot> slots = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            slots.add(MemoryLayout.virtioSlot(new VirtioDeviceConfig.Rng("rng" + i), i));
        }
        return slots;
    }

    private static final AcpiPlatform PLATFORM = AcpiPlatform.of(4, slots(3), true);
    private static final AcpiTables TABLES = AcpiTables.build(PLATFORM);

    private static ByteBuffer le(PlacedTable table) {
        return ByteBuffer.wrap(table.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        return new String(bytes, offset, length, StandardCharsets.US_ASCII);
    }

    private static int sum(byte[] bytes, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += bytes[i] & 0xFF;
        }
        return sum & 0xFF;
    }

    @Test
    void tablesComeInAddressOrderFromTheRsdp() {
        List<String> signatures =
                TABLES.tables().stream().map(PlacedTable::signature).toList();
        assertEquals(List.of("RSD PTR ", "XSDT", "FACP", "APIC", "DSDT"), signatures);
        assertEquals(MemoryLayout.ACPI_RSDP_ADDRESS, AcpiTables.rsdpAddress());
        assertEquals(0xE0000L, AcpiTables.rsdpAddress());
        assertEquals(AcpiTables.rsdpAddress(), TABLES.table("RSD PTR ").address());
        assertEquals(MemoryLayout.ACPI_TABLES_START, TABLES.table("XSDT").address());
        for (int i = 1; i < TABLES.tables().size(); i++) {
            PlacedTable previous = TABLES.tables().get(i - 1);
            PlacedTable table = TABLES.tables().get(i);
            assertEquals(0, table.address() % 16, table + " is 16-byte aligned");
            assertTrue(table.address() >= previous.end(), table + " does not overlap " + previous);
            if (i > 1) { // the XSDT starts at ACPI_TABLES_START, the rest follow each other
                assertTrue(table.address() - previous.end() < 16, table + " follows " + previous + " directly");
            }
        }
        assertTrue(TABLES.table("DSDT").end() <= MemoryLayout.ACPI_AREA_END);
    }

    @Test
    void imageHoldsEveryTableAtItsAddress() {
        byte[] image = TABLES.image();
        assertEquals(TABLES.table("DSDT").end() - TABLES.baseAddress(), image.length);
        for (PlacedTable table : TABLES.tables()) {
            int offset = (int) (table.address() - TABLES.baseAddress());
            assertArrayEquals(table.bytes(), Arrays.copyOfRange(image, offset, offset + table.length()));
        }
    }

    @Test
    void rsdpIsRevision2WithBothChecksums() {
        byte[] rsdp = TABLES.table("RSD PTR ").bytes();
        assertEquals(36, rsdp.length);
        assertEquals("RSD PTR ", ascii(rsdp, 0, 8));
        assertEquals(0, sum(rsdp, 0, 20), "ACPI 1.0 checksum over bytes 0-19");
        assertEquals(0, sum(rsdp, 0, 36), "extended checksum over all 36 bytes");
        assertEquals("VMM4J ", ascii(rsdp, 9, 6));
        assertEquals(2, rsdp[15]);
        ByteBuffer le = le(TABLES.table("RSD PTR "));
        assertEquals(0, le.getInt(16), "no RSDT");
        assertEquals(36, le.getInt(20));
        assertEquals(TABLES.table("XSDT").address(), le.getLong(24));
    }

    @Test
    void everySystemDescriptionTableHasAValidHeader() {
        for (String signature : List.of("XSDT", "FACP", "APIC", "DSDT")) {
            PlacedTable table = TABLES.table(signature);
            byte[] bytes = table.bytes();
            assertEquals(signature, ascii(bytes, 0, 4));
            assertEquals(bytes.length, le(table).getInt(4), signature + " length");
            assertEquals(0, sum(bytes, 0, bytes.length), signature + " checksum");
            assertEquals("VMM4J ", ascii(bytes, 10, 6));
            assertEquals("VMM4JVM ", ascii(bytes, 16, 8));
            assertEquals("VMM4", ascii(bytes, 28, 4), signature + " creator id");
        }
        assertEquals(1, TABLES.table("XSDT").bytes()[8]);
        assertEquals(6, TABLES.table("FACP").bytes()[8]);
        assertEquals(6, TABLES.table("APIC").bytes()[8]);
        assertEquals(2, TABLES.table("DSDT").bytes()[8]);
    }

    @Test
    void xsdtListsTheFadtAndTheMadt() {
        PlacedTable xsdt = TABLES.table("XSDT");
        assertEquals(36 + 2 * 8, xsdt.length());
        assertEquals(TABLES.table("FACP").address(), le(xsdt).getLong(36));
        assertEquals(TABLES.table("APIC").address(), le(xsdt).getLong(44));
    }

    @Test
    void fadtIsHardwareReducedAndPointsAtTheDsdt() {
        PlacedTable fadt = TABLES.table("FACP");
        ByteBuffer le = le(fadt);
        long dsdt = TABLES.table("DSDT").address();
        assertEquals(276, fadt.length());
        assertEquals(5, fadt.bytes()[131], "FADT minor version");
        assertEquals(dsdt, le.getLong(140), "X_DSDT");
        assertEquals(dsdt, le.getInt(40), "DSDT");
        assertEquals(0, le.getInt(36), "no FACS");
        assertEquals(0, le.getLong(132), "no X_FACS");
        int flags = le.getInt(112);
        assertEquals(1 << 20, flags & (1 << 20), "HW_REDUCED_ACPI");
        assertEquals(0, le.getInt(244 + 4), "no sleep control register");
        assertEquals(0, le.getInt(256 + 4), "no sleep status register");
        assertEquals("VMM4J   ", ascii(fadt.bytes(), 268, 8));
        assertEquals(0x32, fadt.bytes()[108], "CENTURY: the RTC's century register");
        assertEquals(0, le.getShort(109) & (1 << 5), "IAPC_BOOT_ARCH: CMOS RTC not present is clear");
    }

    @Test
    void madtHasOneLocalApicPerVcpuTheIoapicAnOverrideAndTheNmi() {
        PlacedTable madt = TABLES.table("APIC");
        ByteBuffer le = le(madt);
        assertEquals(MemoryLayout.LAPIC_BASE, le.getInt(36) & 0xFFFF_FFFFL);
        List<int[]> localApics = new ArrayList<>();
        int ioApics = 0;
        int overrides = 0;
        int nmis = 0;
        int entries = 0;
        int offset = 44;
        while (offset < madt.length()) {
            int type = le.get(offset) & 0xFF;
            int length = le.get(offset + 1) & 0xFF;
            entries++;
            switch (type) {
                case 0 -> {
                    assertEquals(8, length);
                    localApics.add(new int[] {le.get(offset + 2), le.get(offset + 3), le.getInt(offset + 4)});
                }
                case 1 -> {
                    assertEquals(12, length);
                    assertEquals(MemoryLayout.IOAPIC_BASE, le.getInt(offset + 4) & 0xFFFF_FFFFL);
                    assertEquals(0, le.getInt(offset + 8), "GSI base");
                    ioApics++;
                }
                case 2 -> {
                    assertEquals(10, length);
                    assertEquals(0, le.get(offset + 2), "ISA bus");
                    assertEquals(0, le.get(offset + 3), "IRQ 0");
                    assertEquals(2, le.getInt(offset + 4), "GSI 2");
                    overrides++;
                }
                case 4 -> {
                    assertEquals(6, length);
                    assertEquals(0xFF, le.get(offset + 2) & 0xFF, "all processors");
                    assertEquals(1, le.get(offset + 5), "LINT1");
                    nmis++;
                }
                default -> throw new AssertionError("unexpected MADT entry type " + type);
            }
            offset += length;
        }
        assertEquals(madt.length(), offset, "entries end exactly at the table end");
        assertEquals(PLATFORM.vcpuCount() + 1 + 1 + 1, entries, "vCPUs + IOAPIC + override + NMI");
        assertEquals(1, ioApics);
        assertEquals(1, overrides);
        assertEquals(1, nmis);
        assertEquals(PLATFORM.vcpuCount(), localApics.size());
        for (int cpu = 0; cpu < localApics.size(); cpu++) {
            assertArrayEquals(new int[] {cpu, cpu, 1}, localApics.get(cpu), "UID, APIC id, enabled of vCPU " + cpu);
        }
    }

    @Test
    void dsdtNamesCom1AndEveryVirtioSlot() {
        byte[] dsdt = TABLES.table("DSDT").bytes();
        assertTrue(contains(dsdt, Aml.eisaId("PNP0501")));
        assertTrue(contains(dsdt, Aml.nameString("COM1")));
        assertTrue(contains(dsdt, Aml.eisaId("PNP0B00")), "the CMOS RTC");
        assertTrue(contains(dsdt, Aml.concat(Aml.io(0x70, 0x70, 1, 2), Aml.irqNoFlags(8))), "its ports and IRQ 8");
        for (int i = 0; i < 3; i++) {
            VirtioMmioSlot slot = PLATFORM.virtioSlots().get(i);
            assertTrue(contains(dsdt, Aml.nameString(String.format("VR%02d", i))));
            assertTrue(contains(dsdt, Aml.memory32Fixed(true, slot.base(), slot.size())));
        }
        assertEquals(3, count(dsdt, Aml.string("LNRO0005")));
    }

    @Test
    void dsdtLeavesOutCom1AndTheRtcWhenAbsent() {
        byte[] dsdt = AcpiTables.build(AcpiPlatform.of(1, List.of(), false))
                .table("DSDT")
                .bytes();
        assertFalse(contains(dsdt, Aml.eisaId("PNP0501")));
        assertFalse(contains(dsdt, Aml.eisaId("PNP0B00")));
        assertArrayEquals(Aml.scope("\\_SB"), Arrays.copyOfRange(dsdt, 36, dsdt.length));
    }

    @Test
    void largestPlatformFitsTheAcpiArea() {
        AcpiTables tables =
                AcpiTables.build(AcpiPlatform.of(AcpiPlatform.MAX_VCPUS, slots(MemoryLayout.MAX_VIRTIO_DEVICES), true));
        assertEquals(44 + 8 * 255 + 12 + 10 + 6, tables.table("APIC").length());
        assertTrue(tables.table("DSDT").end() <= MemoryLayout.ACPI_AREA_END);
        tables.tables().stream().skip(1).forEach(t -> assertEquals(0, sum(t.bytes(), 0, t.length()), t.toString()));
    }

    @Test
    void platformValidatesItsInput() {
        assertThrows(IllegalArgumentException.class, () -> AcpiPlatform.of(0, List.of(), true));
        assertThrows(IllegalArgumentException.class, () -> AcpiPlatform.of(256, List.of(), true));
        assertThrows(IllegalArgumentException.class, () -> new AcpiPlatform(1, List.of(), true, "TOOLONGID", "X"));
        assertThrows(
                IllegalArgumentException.class,
                () -> AcpiPlatform.of(
                        1,
                        List.of(new VirtioMmioSlot(new VirtioDeviceConfig.Rng("r"), 0xFFFF_F000L, 0x2000, 5)),
                        true));
        assertThrows(
                IllegalArgumentException.class,
                () -> AcpiPlatform.of(
                        1,
                        List.of(new VirtioMmioSlot(new VirtioDeviceConfig.Rng("r"), 0xC000_0000L, 0x1000, 24)),
                        true));
        AcpiPlatform padded = new AcpiPlatform(1, List.of(), true, "AB", "CD");
        assertEquals("AB    ", padded.oemId());
        assertEquals("CD      ", padded.oemTableId());
    }

    @Test
    void placedTablesCannotBeChangedThroughTheirBytes() {
        PlacedTable dsdt = TABLES.table("DSDT");
        dsdt.bytes()[0] = 'X';
        assertEquals('D', dsdt.bytes()[0]);
        assertThrows(UnsupportedOperationException.class, () -> TABLES.tables().clear());
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        return count(haystack, needle) > 0;
    }

    static int count(byte[] haystack, byte[] needle) {
        return (int) IntStream.rangeClosed(0, haystack.length - needle.length)
                .filter(i -> Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length))
                .count();
    }
}
