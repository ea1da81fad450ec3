package io.vmm4j.arch.x86;

/** One {@code struct boot_e820_entry}: a range of guest physical memory and its type. */
public record E820Entry(long address, long size, int type) {
    public static final int RAM = 1;
    public static final int RESERVED = 2;
    public static final int ACPI = 3;
    public static final int NVS = 4;

    public E820Entry {
        if (size <= 0) throw new IllegalArgumentException("e820 entry size must be positive, was " + size);
    }

    public long end() {
        return address + size;
    }

    public boolean isRam() {
        return type == RAM;
    }
}
