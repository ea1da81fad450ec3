package io.vmm4j.arch.x86;

import io.vmm4j.arch.x86.MemoryLayout.RamRegion;
import java.util.ArrayList;
import java.util.List;

/**
 * The BIOS-style memory map (e820) of a guest, derived from {@link MemoryLayout} so that the two
 * always agree: what every boot protocol (Linux, PVH, Multiboot, fw_cfg) reports, and what a loader
 * may write to.
 *
 * <pre>
 *   0x0000_0000 - 0x0009_FBFF  RAM (page 0 included: test kernels copy AP start-up code there)
 *   0x0009_FC00 - 0x000F_FFFF  reserved: EBDA, VGA window and BIOS area, where the ACPI tables live
 *   0x0010_0000 - gap or end   RAM
 *   0x1_0000_0000 - ...        RAM above the MMIO gap, for large guests
 * </pre>
 */
public final class E820Map {
    private final List<E820Entry> entries;

    private E820Map(List<E820Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static E820Map forMemory(long memorySize) {
        List<E820Entry> entries = new ArrayList<>();
        List<RamRegion> regions = MemoryLayout.ramRegions(memorySize);
        long lowEnd = regions.get(0).end();
        entries.add(new E820Entry(0, Math.min(lowEnd, MemoryLayout.EBDA_START), E820Entry.RAM));
        if (lowEnd > MemoryLayout.EBDA_START) {
            long reservedEnd = Math.min(lowEnd, MemoryLayout.HIGH_MEMORY_START);
            entries.add(
                    new E820Entry(MemoryLayout.EBDA_START, reservedEnd - MemoryLayout.EBDA_START, E820Entry.RESERVED));
        }
        if (lowEnd > MemoryLayout.HIGH_MEMORY_START) {
            entries.add(new E820Entry(
                    MemoryLayout.HIGH_MEMORY_START, lowEnd - MemoryLayout.HIGH_MEMORY_START, E820Entry.RAM));
        }
        for (RamRegion region : regions.subList(1, regions.size())) {
            entries.add(new E820Entry(region.start(), region.size(), E820Entry.RAM));
        }
        return new E820Map(entries);
    }

    /** In address order. */
    public List<E820Entry> entries() {
        return entries;
    }

    /** Whether {@code [address, address + length)} lies inside one RAM entry. */
    public boolean isRam(long address, long length) {
        if (address < 0 || length < 0 || address + length < address) return false;
        for (E820Entry entry : entries) {
            if (entry.isRam() && address >= entry.address() && address + length <= entry.end()) return true;
        }
        return false;
    }

    /** The RAM entry containing {@code address}, or null. */
    public E820Entry ramAt(long address) {
        for (E820Entry entry : entries) {
            if (entry.isRam() && address >= entry.address() && address < entry.end()) return entry;
        }
        return null;
    }

    /** KiB of RAM from address 0 (a BIOS's "lower memory"). */
    public long lowerMemoryKiB() {
        E820Entry low = ramAt(0);
        return low == null ? 0 : low.size() >> 10;
    }

    /** KiB of RAM from 1 MiB up to the first hole (a BIOS's "upper memory"). */
    public long upperMemoryKiB() {
        E820Entry high = ramAt(MemoryLayout.HIGH_MEMORY_START);
        return high == null ? 0 : high.size() >> 10;
    }
}
