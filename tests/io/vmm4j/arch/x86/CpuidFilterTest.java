package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CpuidFilterTest {
    private static final List<CpuidEntry> SUPPORTED = List.of(
            new CpuidEntry(0x0, 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69),
            new CpuidEntry(0x1, 0, 0, 0x806f8, 0xff_ff_0800, 0x7ffaf203, 0x1f8bfbff),
            new CpuidEntry(0xb, 1, 1, 0, 0, 0x201, 0x77),
            new CpuidEntry(0x8000_0001, 0, 0, 0, 0, 0x121, 0x2c100800));

    @Test
    void leafOneCarriesTheApicIdCountAndHypervisorBit() {
        CpuidEntry leaf1 = CpuidFilter.forVcpu(SUPPORTED, 3, 4).get(1);
        assertEquals(3, leaf1.ebx() >>> 24, "initial APIC id");
        assertEquals(4, (leaf1.ebx() >>> 16) & 0xff, "logical processor count");
        assertEquals(0x0800, leaf1.ebx() & 0xffff, "brand index and CLFLUSH size are kept");
        assertEquals(1, leaf1.ecx() >>> 31, "hypervisor present");
        assertEquals(1, (leaf1.edx() >>> 28) & 1, "HTT with several vCPUs");
        assertEquals(0, (CpuidFilter.forVcpu(SUPPORTED, 0, 1).get(1).edx() >>> 28) & 1, "no HTT with one vCPU");
    }

    @Test
    void topologyLeafReportsTheX2ApicIdAndOtherLeavesPassThrough() {
        List<CpuidEntry> filtered = CpuidFilter.forVcpu(SUPPORTED, 2, 4);
        assertEquals(2, filtered.get(2).edx());
        assertEquals(SUPPORTED.get(0), filtered.get(0));
        assertEquals(SUPPORTED.get(3), filtered.get(3), "long mode bit is kept");
    }

    @Test
    void namedFeaturesAreSetOrClearedAfterTheTopology() {
        List<CpuidEntry> filtered = CpuidFilter.forVcpu(SUPPORTED, 0, 1, CpuidFilter.featuresByName(
                java.util.Map.of("hypervisor", false, "tsc-deadline", true, "pdpe1gb", true, "lm", false)));
        assertEquals(0, filtered.get(1).ecx() >>> 31, "-hypervisor wins over the filter's default");
        assertEquals(1, (filtered.get(1).ecx() >>> 24) & 1, "+tsc-deadline");
        assertEquals(1, (filtered.get(3).edx() >>> 26) & 1, "+pdpe1gb");
        assertEquals(0, (filtered.get(3).edx() >>> 29) & 1, "-lm");
        assertEquals(SUPPORTED.get(2), filtered.get(2).withEdx(SUPPORTED.get(2).edx()), "other leaves untouched");
    }

    @Test
    void unknownFeatureNamesListTheKnownOnes() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> CpuFeature.byName("warp"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("x2apic, "), e.getMessage());
        assertEquals(CpuFeature.TSC_DEADLINE, CpuFeature.byName("tsc_deadline"));
    }
}
