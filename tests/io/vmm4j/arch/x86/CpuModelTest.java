package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.x86.CpuidEntry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CpuModelTest {
    /** A host with (nearly) every feature bit set, so that what a model keeps is its own choice. */
    private static final List<CpuidEntry> SUPPORTED = List.of(
            new CpuidEntry(0x0, 0, 0, 0xd, 0x68747541, 0x444d4163, 0x69746e65),
            new CpuidEntry(0x1, 0, 0, 0xa20f10, 0x00_02_0800, 0xfffaf3ff, 0x178bfbff),
            new CpuidEntry(0x7, 0, 1, 0, 0xffffffff, 0xffffffff, 0xffffffff),
            new CpuidEntry(0xd, 0, 1, 0x207, 0x340, 0x988, 0),
            new CpuidEntry(0xd, 1, 1, 0xf, 0x340, 0, 0),
            new CpuidEntry(0x8000_0001, 0, 0, 0xa20f10, 0x20000000, 0xffffffff, 0xffffffff));

    private static int bit(CpuidEntry entry, CpuFeature feature) {
        int register = switch (feature.register()) {
            case EBX -> entry.ebx();
            case ECX -> entry.ecx();
            case EDX -> entry.edx();
        };
        return (register >>> feature.bit()) & 1;
    }

    @Test
    void hostAndMaxPassKvmsFeaturesThrough() {
        assertSame(SUPPORTED, CpuModel.HOST.apply(SUPPORTED));
        assertSame(SUPPORTED, CpuModel.MAX.apply(SUPPORTED));
        assertEquals(CpuModel.MAX, CpuModel.byName("MAX"));
    }

    @Test
    void qemu64KeepsQemusBaselineWithX2apicAndWithoutSvmAsUnderKvm() {
        List<CpuidEntry> cpuid = CpuModel.QEMU64.apply(SUPPORTED);
        CpuidEntry leaf1 = cpuid.get(1);
        CpuidEntry ext = cpuid.get(5);
        // FEAT_1_ECX = SSE3 | CX16, plus x2apic from kvm_default_props.
        assertEquals((1 << 0) | (1 << 13) | (1 << 21), leaf1.ecx());
        // FEAT_1_EDX = PPRO_FEATURES | MTRR | CLFLUSH | MCA | PSE36: no VME, no HT (the topology filter sets HTT).
        assertEquals(1, bit(leaf1, CpuFeature.APIC));
        assertEquals(1, bit(leaf1, CpuFeature.SSE2));
        assertEquals(0, bit(leaf1, CpuFeature.VME));
        assertEquals(0, bit(leaf1, CpuFeature.HT));
        assertEquals(SUPPORTED.get(1).ebx(), leaf1.ebx(), "leaf 1 EBX holds ids, not features");
        assertEquals(0, cpuid.get(2).ebx() | cpuid.get(2).ecx() | cpuid.get(2).edx(), "no leaf 7 features");
        assertEquals(SUPPORTED.get(2).eax(), cpuid.get(2).eax(), "leaf 7's subleaf count stays");
        assertEquals(0, cpuid.get(3).eax() | cpuid.get(3).ebx() | cpuid.get(3).ecx(), "no XSAVE, no leaf 0xD");
        assertEquals(0, cpuid.get(4).eax(), "no XSAVE, no leaf 0xD");
        // FEAT_8000_0001: LM | SYSCALL | NX and LAHF_LM (SVM is off under KVM).
        assertEquals((1 << 29) | (1 << 11) | (1 << 20), ext.edx());
        assertEquals(1, ext.ecx());
        assertEquals(SUPPORTED.get(0), cpuid.get(0), "the host's vendor, as QEMU keeps it under KVM");
    }

    @Test
    void kvm64HasVmeButNoLahf() {
        List<CpuidEntry> cpuid = CpuModel.KVM64.apply(SUPPORTED);
        assertEquals(1, bit(cpuid.get(1), CpuFeature.VME));
        assertEquals(0, cpuid.get(5).ecx());
    }

    @Test
    void namedFeaturesApplyAfterTheModelAsInQemus64PlusTscDeadline() {
        List<CpuidEntry> cpuid = CpuidFilter.forVcpu(
                CpuModel.QEMU64.apply(SUPPORTED),
                0,
                2,
                CpuidFilter.featuresByName(
                        Map.of("tsc-deadline", true, "x2apic", false, "pcid", true, "invpcid", true)));
        assertEquals(1, bit(cpuid.get(1), CpuFeature.TSC_DEADLINE));
        assertEquals(0, bit(cpuid.get(1), CpuFeature.X2APIC));
        assertEquals(1, bit(cpuid.get(1), CpuFeature.PCID));
        assertEquals(1, bit(cpuid.get(2), CpuFeature.INVPCID));
        assertEquals(1, bit(cpuid.get(1), CpuFeature.HYPERVISOR), "the filter's hypervisor bit");
        assertEquals(1, bit(cpuid.get(1), CpuFeature.HT), "HTT with two vCPUs");
    }

    @Test
    void qemusFeatureNamesAndAliases() {
        assertEquals(CpuFeature.PNI, CpuFeature.byName("sse3"));
        assertEquals(CpuFeature.SSE4_1, CpuFeature.byName("sse4_1"));
        assertEquals(CpuFeature.LAHF_LM, CpuFeature.byName("lahf_lm"));
        assertEquals(CpuFeature.AMD_3DNOW, CpuFeature.byName("3dnow"));
        assertEquals(0x7, CpuFeature.UMIP.leaf());
        assertEquals(2, CpuFeature.UMIP.bit());
    }

    @Test
    void unknownModelsListTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuModel.byName("Skylake"));
        assertTrue(e.getMessage().contains("'Skylake'") && e.getMessage().contains("qemu64"), e.getMessage());
    }
}
