package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
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
    void slotsStopAtTheLastIoapicPin() {
        assertEquals(23, MemoryLayout.virtioSlot(RNG, MemoryLayout.MAX_VIRTIO_DEVICES - 1).irq());
        assertThrows(IllegalArgumentException.class,
                () -> MemoryLayout.virtioSlot(RNG, MemoryLayout.MAX_VIRTIO_DEVICES));
    }

    @Test
    void acpiTablesFollowTheRsdpInsideTheBiosArea() {
        assertEquals(0xE0000L, MemoryLayout.ACPI_RSDP_ADDRESS);
        assertEquals(0, MemoryLayout.ACPI_RSDP_ADDRESS % 16, "Linux scans for the RSDP on 16-byte boundaries");
        assertTrue(MemoryLayout.ACPI_TABLES_START >= MemoryLayout.ACPI_RSDP_ADDRESS + 36, "after the 36-byte RSDP");
        assertTrue(MemoryLayout.ACPI_AREA_END <= 0x10_0000L, "below 1 MiB");
    }
}
