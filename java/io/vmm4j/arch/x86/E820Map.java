package io.vmm4j.arch.x86;

import java.util.ArrayList;
import java.util.List;

/**
 * The BIOS-style memory map (e820) of an x86 VM, derived from {@link MemoryLayout} and the RAM size:
 * what a boot protocol reports to the guest and what a loader may write to.
 *
 * <pre>
 *   0x0000_0000 - 0x0009_FBFF  RAM (page 0 included: test kernels copy AP start-up code there)
 *   0x0009_FC00 - 0x0009_FFFF  reserved (where a PC has its extended BIOS data area)
 *   0x000E_0000 - 0x000F_FFFF  reserved (ACPI tables, legacy BIOS area)
 *   0x0010_0000 - RAM size     RAM
 * </pre>
 *
 * The VGA window 0xA0000-0xDFFFF is RAM in the VM but, as on a PC, it is not reported.
 */
public final class E820Map {
    public static final int TYPE_RAM = 1;
    public static final int TYPE_RESERVED = 2;
    /** The end of conventional memory as a PC BIOS reports it (639 KiB). */
    public static final long LOW_RAM_END = 0x9_FC00L;
    public static final long EBDA_END = 0xA_0000L;
    public static final long HIGH_RAM_START = 0x10_0000L;

    /** One range of the map. */
    public record Entry(long address, long length, int type) {
        public long end() {
            return address + length;
        }

        public boolean isRam() {
            return type == TYPE_RAM;
        }
    }

    private final List<Entry> entries;

    private E820Map(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * The map of a VM whose RAM runs from GPA 0 to {@code ramSize} in one piece.
     *
     * @throws IllegalArgumentException when RAM would reach the MMIO gap, which the single-slot RAM of
     *     today's VMs cannot skip
     */
    public static E820Map forRam(long ramSize) {
        if (ramSize <= 0) throw new IllegalArgumentException("RAM size must be positive, was " + ramSize);
        if (ramSize > MemoryLayout.MMIO_GAP_START) {
            throw new IllegalArgumentException("RAM of " + (ramSize >> 20) + " MiB would overlap the MMIO gap at 0x"
                    + Long.toHexString(MemoryLayout.MMIO_GAP_START) + "; at most "
                    + (MemoryLayout.MMIO_GAP_START >> 20) + " MiB is supported");
        }
        List<Entry> entries = new ArrayList<>();
        entries.add(new Entry(0, Math.min(ramSize, LOW_RAM_END), TYPE_RAM));
        if (ramSize > LOW_RAM_END) entries.add(new Entry(LOW_RAM_END, EBDA_END - LOW_RAM_END, TYPE_RESERVED));
        if (ramSize > MemoryLayout.ACPI_RSDP_ADDRESS) {
            entries.add(new Entry(MemoryLayout.ACPI_RSDP_ADDRESS,
                    MemoryLayout.ACPI_AREA_END - MemoryLayout.ACPI_RSDP_ADDRESS, TYPE_RESERVED));
        }
        if (ramSize > HIGH_RAM_START) entries.add(new Entry(HIGH_RAM_START, ramSize - HIGH_RAM_START, TYPE_RAM));
        return new E820Map(entries);
    }

    /** In address order. */
    public List<Entry> entries() {
        return entries;
    }

    /** Whether {@code [address, address + length)} lies inside one RAM entry. */
    public boolean isRam(long address, long length) {
        if (address < 0 || length < 0 || address + length < address) return false;
        for (Entry entry : entries) {
            if (entry.isRam() && address >= entry.address() && address + length <= entry.end()) return true;
        }
        return false;
    }

    /** The RAM entry containing {@code address}, or null. */
    public Entry ramAt(long address) {
        for (Entry entry : entries) {
            if (entry.isRam() && address >= entry.address() && address < entry.end()) return entry;
        }
        return null;
    }

    /** KiB of RAM from address 0 (a BIOS's "lower memory"). */
    public long lowerMemoryKiB() {
        Entry low = ramAt(0);
        return low == null ? 0 : low.length() >> 10;
    }

    /** KiB of RAM from 1 MiB up to the first hole (a BIOS's "upper memory"). */
    public long upperMemoryKiB() {
        Entry high = ramAt(HIGH_RAM_START);
        return high == null ? 0 : high.length() >> 10;
    }
}
