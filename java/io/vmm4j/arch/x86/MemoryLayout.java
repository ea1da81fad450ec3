package io.vmm4j.arch.x86;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;

/**
 * The guest physical address map of an x86 VM, in one place.
 *
 * <pre>
 *   0x0000_0000  RAM (from 0 up to the guest's size, or up to MMIO_GAP_START)
 *   0x000E_0000  ACPI: the RSDP, then the other tables, up to 0x0010_0000 (inside RAM; the e820 map
 *                must report 0x000E_0000-0x000F_FFFF as reserved)
 *   0xC000_0000  MMIO gap: virtio-mmio windows, one 4 KiB page each, from here
 *   0xD000_0000  free for user MMIO devices
 *   0xFEC0_0000  IOAPIC
 *   0xFEE0_0000  LAPIC
 *   0xFFFB_C000  KVM identity-map page and TSS (three pages), set by the native core
 *   0x1_0000_0000  the rest of RAM for guests larger than the space below the gap
 * </pre>
 */
public final class MemoryLayout {
    /**
     * The ACPI RSDP. Linux finds it here without help: with no boot_params.acpi_rsdp_addr (and no
     * acpi_rsdp=), it scans the BIOS area 0xE0000-0xFFFFF on 16-byte boundaries (ACPI 6.5 §5.2.5.1).
     */
    public static final long ACPI_RSDP_ADDRESS = 0x000E_0000L;
    /** The other ACPI tables, laid out contiguously after the RSDP (36 bytes). */
    public static final long ACPI_TABLES_START = 0x000E_0040L;
    /** End (exclusive) of the ACPI area: the end of the legacy BIOS area at 1 MiB. */
    public static final long ACPI_AREA_END = 0x0010_0000L;
    public static final long MMIO_GAP_START = 0xC000_0000L;
    public static final long MMIO_GAP_END = 0x1_0000_0000L;
    public static final long VIRTIO_MMIO_BASE = MMIO_GAP_START;
    public static final long VIRTIO_MMIO_SIZE = 0x1000;
    public static final long USER_MMIO_BASE = 0xD000_0000L;
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    public static final long LAPIC_BASE = 0xFEE0_0000L;
    /** GSIs 5 and up go to virtio devices; 4 is COM1 and 0-3 are legacy. */
    public static final int VIRTIO_FIRST_IRQ = 5;
    public static final int LAST_IOAPIC_IRQ = 23;
    public static final int MAX_VIRTIO_DEVICES = LAST_IOAPIC_IRQ - VIRTIO_FIRST_IRQ + 1;

    private MemoryLayout() {}

    /** The window and interrupt of the {@code index}-th virtio-mmio device of a VM. */
    public static VirtioMmioSlot virtioSlot(VirtioDeviceConfig config, int index) {
        if (index < 0 || index >= MAX_VIRTIO_DEVICES) {
            throw new IllegalArgumentException("at most " + MAX_VIRTIO_DEVICES + " virtio devices fit: the IOAPIC has "
                    + "GSIs " + VIRTIO_FIRST_IRQ + " to " + LAST_IOAPIC_IRQ + " for them");
        }
        return new VirtioMmioSlot(config, VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE, VIRTIO_MMIO_SIZE,
                VIRTIO_FIRST_IRQ + index);
    }
}
