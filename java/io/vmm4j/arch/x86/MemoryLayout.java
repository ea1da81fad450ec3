package io.vmm4j.arch.x86;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;

/**
 * The guest physical address map of an x86 VM, in one place.
 *
 * <pre>
 *   0x0000_0000  RAM (from 0 up to the guest's size, or up to MMIO_GAP_START)
 *   0xC000_0000  MMIO gap: virtio-mmio windows, one 4 KiB page each, from here
 *   0xD000_0000  free for user MMIO devices
 *   0xFEC0_0000  IOAPIC
 *   0xFEE0_0000  LAPIC
 *   0xFFFB_C000  KVM identity-map page and TSS (three pages), set by the native core
 *   0x1_0000_0000  the rest of RAM for guests larger than the space below the gap
 * </pre>
 */
public final class MemoryLayout {
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
