package io.vmm4j.arch.x86.boot;

import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.MemoryLayout.RamRegion;
import java.util.ArrayList;
import java.util.List;

/** The e820 map of a guest, derived from {@link MemoryLayout} so that the two always agree. */
public final class E820Map {
    private E820Map() {}

    /**
     * Usable RAM from 0 to the EBDA, the EBDA and BIOS area reserved up to 1 MiB (the RSDP lives
     * there), usable RAM from 1 MiB to the end of the first RAM region, and any RAM above 4 GiB.
     * The MMIO gap is not listed.
     */
    public static List<E820Entry> forMemory(long memorySize) {
        List<E820Entry> entries = new ArrayList<>();
        List<RamRegion> regions = MemoryLayout.ramRegions(memorySize);
        long lowEnd = regions.get(0).end();
        entries.add(new E820Entry(0, Math.min(lowEnd, MemoryLayout.EBDA_START), E820Entry.RAM));
        if (lowEnd > MemoryLayout.EBDA_START) {
            long reservedEnd = Math.min(lowEnd, MemoryLayout.HIGH_MEMORY_START);
            entries.add(new E820Entry(MemoryLayout.EBDA_START, reservedEnd - MemoryLayout.EBDA_START,
                    E820Entry.RESERVED));
        }
        if (lowEnd > MemoryLayout.HIGH_MEMORY_START) {
            entries.add(new E820Entry(MemoryLayout.HIGH_MEMORY_START, lowEnd - MemoryLayout.HIGH_MEMORY_START,
                    E820Entry.RAM));
        }
        for (RamRegion region : regions.subList(1, regions.size())) {
            entries.add(new E820Entry(region.start(), region.size(), E820Entry.RAM));
        }
        return List.copyOf(entries);
    }
}
