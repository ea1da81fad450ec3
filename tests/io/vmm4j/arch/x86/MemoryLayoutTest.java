package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.arch.x86.MemoryLayout.RamRegion;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryLayoutTest {
    private static final VirtioDeviceConfig RNG = new VirtioDeviceConfig.Rng("rng");

    @Test
    void virtioSlotsArePagesInTheMmioGapWithIrqsFromFive() {
        VirtioMmioSlot first = MemoryLayout.virtioSlot(RNG, 0);
        VirtioMmioSlot third = MemoryLayout.virtioSlot(RNG, 2);
        assertEquals(0xC000_0000L, first.base());
        assertEquals(0x1000, first.size());
        assertEquals(5, first.irq());
        assertEquals(0xC000_2000L, third.base());
        assertEquals(7, third.irq());
    }

    @Test
    void slotsStopBelowTheGenericEventDevicesPin() {
        assertEquals(23, MemoryLayout.GED_IRQ, "the last IOAPIC pin");
        assertEquals(
                22,
                MemoryLayout.virtioSlot(RNG, MemoryLayout.MAX_VIRTIO_DEVICES - 1)
                        .irq());
        assertThrows(
                IllegalArgumentException.class, () -> MemoryLayout.virtioSlot(RNG, MemoryLayout.MAX_VIRTIO_DEVICES));
    }

    @Test
    void acpiTablesFollowTheRsdpInsideTheBiosArea() {
        assertEquals(0xE0000L, MemoryLayout.ACPI_RSDP_ADDRESS);
        assertEquals(0, MemoryLayout.ACPI_RSDP_ADDRESS % 16, "Linux scans for the RSDP on 16-byte boundaries");
        assertTrue(MemoryLayout.ACPI_TABLES_START >= MemoryLayout.ACPI_RSDP_ADDRESS + 36, "after the 36-byte RSDP");
        assertTrue(MemoryLayout.ACPI_AREA_END <= 0x10_0000L, "below 1 MiB");
    }

    @Test
    void ramBelowTheGapIsOneRegionFromZero() {
        assertEquals(List.of(new RamRegion(0, 256L << 20)), MemoryLayout.ramRegions(256L << 20));
        assertEquals(List.of(new RamRegion(0, 0xC000_0000L)), MemoryLayout.ramRegions(0xC000_0000L));
    }

    @Test
    void largerRamSplitsAroundTheMmioGap() {
        long eightGiB = 8L << 30;
        List<RamRegion> regions = MemoryLayout.ramRegions(eightGiB);
        assertEquals(
                List.of(new RamRegion(0, 0xC000_0000L), new RamRegion(0x1_0000_0000L, eightGiB - 0xC000_0000L)),
                regions);
        assertEquals(eightGiB, regions.stream().mapToLong(RamRegion::size).sum());
        assertEquals(0x2_4000_0000L, regions.get(1).end());
        assertThrows(IllegalArgumentException.class, () -> MemoryLayout.ramRegions(0));
    }

    @Test
    void bootStructuresDoNotOverlapAndSitInUsableLowRam() {
        long[][] ranges = {
            {MemoryLayout.GDT_ADDRESS, MemoryLayout.GDT_ENTRY_COUNT * 8L},
            {MemoryLayout.IDT_ADDRESS, 8},
            {MemoryLayout.PVH_START_INFO_ADDRESS, 56},
            {MemoryLayout.PVH_MODULE_LIST_ADDRESS, 32},
            {MemoryLayout.PVH_MEMORY_MAP_ADDRESS, MemoryLayout.PVH_MEMORY_MAP_MAX_ENTRIES * 24L},
            {MemoryLayout.ZERO_PAGE_ADDRESS, 4096},
            {MemoryLayout.PML4_ADDRESS, 4096},
            {MemoryLayout.PDPT_ADDRESS, 4096},
            {MemoryLayout.PD_ADDRESS, MemoryLayout.PD_COUNT * 4096L},
            {MemoryLayout.CMDLINE_ADDRESS, MemoryLayout.CMDLINE_MAX_SIZE},
        };
        for (int i = 0; i < ranges.length; i++) {
            assertTrue(ranges[i][0] + ranges[i][1] <= MemoryLayout.EBDA_START, "structure " + i + " past the EBDA");
            for (int j = i + 1; j < ranges.length; j++) {
                boolean overlap =
                        ranges[i][0] < ranges[j][0] + ranges[j][1] && ranges[j][0] < ranges[i][0] + ranges[i][1];
                assertFalse(overlap, "structures " + i + " and " + j + " overlap");
            }
        }
        assertTrue(MemoryLayout.BOOT_STACK_POINTER > MemoryLayout.ZERO_PAGE_ADDRESS + 4096
                && MemoryLayout.BOOT_STACK_POINTER < MemoryLayout.PML4_ADDRESS);
        assertTrue(MemoryLayout.PVH_MEMORY_MAP_MAX_ENTRIES >= 128);
    }

    @Test
    void initrdGoesAsHighAsTheHeaderAndRamAllowPageAligned() {
        long ram = 256L << 20;
        assertEquals(ram - 0x2000, MemoryLayout.initrdAddress(ram, 0x1800, 0x7fff_ffffL, 0x0100_0000L));
        // initrd_addr_max is the last byte the initrd may occupy.
        assertEquals(0x0400_0000L - 0x1000, MemoryLayout.initrdAddress(ram, 0x1000, 0x03ff_ffffL, 0x0100_0000L));
        // Large guests: below the gap, never above 4 GiB.
        assertEquals(0xC000_0000L - 0x10_0000, MemoryLayout.initrdAddress(8L << 30, 0x10_0000, 0xffff_ffffL, 0));
        var error = assertThrows(
                IllegalArgumentException.class,
                () -> MemoryLayout.initrdAddress(ram, 250L << 20, 0x7fff_ffffL, 0x0400_0000L));
        assertTrue(error.getMessage().contains("262144000 bytes"), error.getMessage());
    }
}
