package io.vmm4j.api.x86;

/** One CPUID leaf/subleaf result, and whether it depends on the subleaf (flags). */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    /** Reads the 7-slot block the native core uses: function, index, flags, eax, ebx, ecx, edx. */
    public static CpuidEntry fromSlots(long[] slots, int offset) {
        return new CpuidEntry(
                (int) slots[offset],
                (int) slots[offset + 1],
                (int) slots[offset + 2],
                (int) slots[offset + 3],
                (int) slots[offset + 4],
                (int) slots[offset + 5],
                (int) slots[offset + 6]);
    }

    public void toSlots(long[] slots, int offset) {
        slots[offset] = Integer.toUnsignedLong(function);
        slots[offset + 1] = Integer.toUnsignedLong(index);
        slots[offset + 2] = Integer.toUnsignedLong(flags);
        slots[offset + 3] = Integer.toUnsignedLong(eax);
        slots[offset + 4] = Integer.toUnsignedLong(ebx);
        slots[offset + 5] = Integer.toUnsignedLong(ecx);
        slots[offset + 6] = Integer.toUnsignedLong(edx);
    }

    public CpuidEntry withEax(int value) {
        return new CpuidEntry(function, index, flags, value, ebx, ecx, edx);
    }

    public CpuidEntry withEbx(int value) {
        return new CpuidEntry(function, index, flags, eax, value, ecx, edx);
    }

    public CpuidEntry withEcx(int value) {
        return new CpuidEntry(function, index, flags, eax, ebx, value, edx);
    }

    public CpuidEntry withEdx(int value) {
        return new CpuidEntry(function, index, flags, eax, ebx, ecx, value);
    }
}
