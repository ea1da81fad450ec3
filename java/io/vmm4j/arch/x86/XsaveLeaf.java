package io.vmm4j.arch.x86;

import io.vmm4j.api.x86.CpuidEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes CPUID leaf 0xD (XSAVE state enumeration) agree with the features a vCPU is offered, as
 * Firecracker and Cloud Hypervisor do. KVM reports the host's state components; a component whose
 * feature the guest is not offered (AVX-512 with leaf 7's AVX512F cleared, PKRU with {@code -pku})
 * must not be in the supported XCR0 mask, nor counted in the area sizes, or Linux's
 * {@code fpu__init_system_xstate} finds the sizes inconsistent and warns.
 *
 * <p>Sub-leaf 0: EAX/EDX the offered XCR0 mask; EBX and ECX the standard-format size for all of it.
 * Sub-leaf 1: XSAVEOPT/XSAVEC/XGETBV1/XSAVES as KVM reports them (XFD only with AMX), EBX the
 * compacted size of every offered component, ECX/EDX the offered IA32_XSS mask (none without XSAVES).
 * Sub-leaves 2-63: kept for offered components, zeroed for the rest.
 */
public final class XsaveLeaf {
    static final int LEAF = 0xd;
    private static final int LEGACY_AND_HEADER_SIZE = 512 + 64;
    private static final int SUBLEAF1_XSAVES = 1 << 3;
    private static final int SUBLEAF1_XFD = 1 << 4;
    private static final int COMPACTED_ALIGN_64 = 1 << 1;

    /** A state component: its XCR0/XSS bit and the feature (leaf, sub-leaf 0, register, bit) that enables it. */
    private record Component(int bit, boolean supervisor, int leaf, CpuFeature.Register register, int featureBit) {}

    private static final List<Component> COMPONENTS = List.of(
            new Component(1, false, 0x1, CpuFeature.Register.EDX, 25), // SSE state: SSE
            new Component(2, false, 0x1, CpuFeature.Register.ECX, 28), // YMM upper halves: AVX
            new Component(3, false, 0x7, CpuFeature.Register.EBX, 14), // MPX BNDREGS: MPX
            new Component(4, false, 0x7, CpuFeature.Register.EBX, 14), // MPX BNDCSR: MPX
            new Component(5, false, 0x7, CpuFeature.Register.EBX, 16), // AVX-512 opmask: AVX512F
            new Component(6, false, 0x7, CpuFeature.Register.EBX, 16), // AVX-512 ZMM_Hi256
            new Component(7, false, 0x7, CpuFeature.Register.EBX, 16), // AVX-512 Hi16_ZMM
            new Component(8, true, 0x7, CpuFeature.Register.EBX, 25), // Processor trace: Intel PT
            new Component(9, false, 0x7, CpuFeature.Register.ECX, 3), // PKRU: PKU
            new Component(10, true, 0x7, CpuFeature.Register.ECX, 29), // PASID: ENQCMD
            new Component(11, true, 0x7, CpuFeature.Register.ECX, 7), // CET user: CET shadow stack
            new Component(12, true, 0x7, CpuFeature.Register.ECX, 7), // CET supervisor
            new Component(17, false, 0x7, CpuFeature.Register.EDX, 24), // AMX TILECFG: AMX-TILE
            new Component(18, false, 0x7, CpuFeature.Register.EDX, 24)); // AMX TILEDATA

    private static final long AMX_TILEDATA = 1L << 18;

    private XsaveLeaf() {}

    /**
     * {@code entries} with leaf 0xD normalised to the features they offer; entries of other leaves are
     * returned as they are. Without XSAVE in leaf 1, every sub-leaf of 0xD is zeroed.
     */
    public static List<CpuidEntry> normalise(List<CpuidEntry> entries) {
        CpuidEntry main = find(entries, LEAF, 0);
        if (main == null) return entries;
        boolean xsave = featureOffered(entries, 0x1, CpuFeature.Register.ECX, 26);
        long reportedXcr0 = xsave ? combine(main.eax(), main.edx()) : 0;
        CpuidEntry sub1 = find(entries, LEAF, 1);
        boolean xsaves = sub1 != null && (sub1.eax() & SUBLEAF1_XSAVES) != 0;
        long reportedXss = xsave && xsaves ? combine(sub1.ecx(), sub1.edx()) : 0;

        long xcr0 = reportedXcr0 & 0b1; // x87 state is always there with XSAVE
        long xss = 0;
        for (Component c : COMPONENTS) {
            long bit = 1L << c.bit();
            if (!featureOffered(entries, c.leaf(), c.register(), c.featureBit())) continue;
            if (c.supervisor()) xss |= reportedXss & bit;
            else xcr0 |= reportedXcr0 & bit;
        }
        // A component is only usable with its size and offset: drop any whose sub-leaf KVM left out.
        for (int bit = 2; bit < 64; bit++) {
            long mask = 1L << bit;
            CpuidEntry component = find(entries, LEAF, bit);
            if (component == null || component.eax() == 0) {
                xcr0 &= ~mask;
                xss &= ~mask;
            }
        }
        int standardSize = standardSize(entries, xcr0);
        int compactedSize = compactedSize(entries, xcr0 | xss);

        List<CpuidEntry> result = new ArrayList<>(entries.size());
        for (CpuidEntry entry : entries) {
            if (entry.function() != LEAF) {
                result.add(entry);
            } else if (!xsave) {
                result.add(zeroed(entry));
            } else if (entry.index() == 0) {
                result.add(entry.withEax((int) xcr0)
                        .withEbx(standardSize)
                        .withEcx(standardSize)
                        .withEdx((int) (xcr0 >>> 32)));
            } else if (entry.index() == 1) {
                int eax = (xcr0 & AMX_TILEDATA) != 0 ? entry.eax() : entry.eax() & ~SUBLEAF1_XFD;
                result.add(entry.withEax(eax)
                        .withEbx(compactedSize)
                        .withEcx((int) xss)
                        .withEdx((int) (xss >>> 32)));
            } else if (entry.index() < 64 && ((xcr0 | xss) & (1L << entry.index())) != 0) {
                result.add(entry);
            } else {
                result.add(zeroed(entry));
            }
        }
        return result;
    }

    /** The XCR0 mask that leaf 0xD of {@code entries} offers (0 when there is no leaf 0xD). */
    public static long offeredXcr0(List<CpuidEntry> entries) {
        CpuidEntry main = find(entries, LEAF, 0);
        return main == null ? 0 : combine(main.eax(), main.edx());
    }

    /** The standard (non-compacted) XSAVE area size for the user components {@code xcr0}. */
    static int standardSize(List<CpuidEntry> entries, long xcr0) {
        int size = LEGACY_AND_HEADER_SIZE;
        for (int bit = 2; bit < 64; bit++) {
            if ((xcr0 & (1L << bit)) == 0) continue;
            CpuidEntry component = find(entries, LEAF, bit);
            size = Math.max(size, component.ebx() + component.eax());
        }
        return size;
    }

    /** The compacted (XSAVEC/XSAVES) area size for {@code components}: in bit order, some 64-byte aligned. */
    static int compactedSize(List<CpuidEntry> entries, long components) {
        int size = LEGACY_AND_HEADER_SIZE;
        for (int bit = 2; bit < 64; bit++) {
            if ((components & (1L << bit)) == 0) continue;
            CpuidEntry component = find(entries, LEAF, bit);
            if ((component.ecx() & COMPACTED_ALIGN_64) != 0) size = (size + 63) & ~63;
            size += component.eax();
        }
        return size;
    }

    private static boolean featureOffered(List<CpuidEntry> entries, int leaf, CpuFeature.Register register, int bit) {
        CpuidEntry entry = find(entries, leaf, 0);
        if (entry == null) return false;
        int value = switch (register) {
            case EBX -> entry.ebx();
            case ECX -> entry.ecx();
            case EDX -> entry.edx();
        };
        return (value & (1 << bit)) != 0;
    }

    private static CpuidEntry find(List<CpuidEntry> entries, int function, int index) {
        for (CpuidEntry entry : entries) {
            if (entry.function() == function && entry.index() == index) return entry;
        }
        return null;
    }

    private static CpuidEntry zeroed(CpuidEntry entry) {
        return new CpuidEntry(entry.function(), entry.index(), entry.flags(), 0, 0, 0, 0);
    }

    private static long combine(int low, int high) {
        return Integer.toUnsignedLong(low) | ((long) high << 32);
    }
}
