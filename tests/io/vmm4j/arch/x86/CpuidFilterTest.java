package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmm4j.api.x86.CpuidEntry;
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
        List<CpuidEntry> filtered = CpuidFilter.forVcpu(
                SUPPORTED,
                0,
                1,
                CpuidFilter.featuresByName(
                        java.util.Map.of("hypervisor", false, "tsc-deadline", true, "pdpe1gb", true, "lm", false)));
        assertEquals(0, filtered.get(1).ecx() >>> 31, "-hypervisor wins over the filter's default");
        assertEquals(1, (filtered.get(1).ecx() >>> 24) & 1, "+tsc-deadline");
        assertEquals(1, (filtered.get(3).edx() >>> 26) & 1, "+pdpe1gb");
        assertEquals(0, (filtered.get(3).edx() >>> 29) & 1, "-lm");
        assertEquals(SUPPORTED.get(2), filtered.get(2).withEdx(SUPPORTED.get(2).edx()), "other leaves untouched");
    }

    @Test
    void unknownFeatureNamesListTheKnownOnes() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> CpuFeature.byName("warp"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("x2apic, "), e.getMessage());
        assertEquals(CpuFeature.TSC_DEADLINE, CpuFeature.byName("tsc_deadline"));
    }

    // What KVM reported under the nested KVM where Linux warned "size 2696 != kernel_size 576": x87, SSE,
    // AVX and PKRU (EAX 0x207), EBX left at the reset size 0x240, ECX 0xa88; plus AVX-512 and PT
    // components whose features leaf 7 does not offer.
    private static final int LEAF1_ECX_XSAVE_AVX = (1 << 26) | (1 << 28);
    private static final int LEAF1_EDX_SSE = 1 << 25;
    private static final int LEAF7_ECX_PKU = 1 << 3;

    private static List<CpuidEntry> xsaveHost(int leaf1Ecx, int leaf7Ecx) {
        return List.of(
                new CpuidEntry(0x1, 0, 0, 0x806f8, 0x800, leaf1Ecx, LEAF1_EDX_SSE),
                new CpuidEntry(0x7, 0, 1, 0, 0, leaf7Ecx, 0),
                new CpuidEntry(0xd, 0, 1, 0x2e7, 0x240, 0xa88, 0),
                new CpuidEntry(0xd, 1, 1, 0x1f, 0x240, 0x100, 0),
                new CpuidEntry(0xd, 2, 1, 0x100, 0x240, 0, 0),
                new CpuidEntry(0xd, 5, 1, 0x40, 0x440, 2, 0),
                new CpuidEntry(0xd, 6, 1, 0x200, 0x480, 2, 0),
                new CpuidEntry(0xd, 7, 1, 0x400, 0x680, 2, 0),
                new CpuidEntry(0xd, 8, 1, 0x80, 0, 1, 0),
                new CpuidEntry(0xd, 9, 1, 8, 0xa80, 0, 0));
    }

    private static CpuidEntry leaf(List<CpuidEntry> entries, int function, int index) {
        return entries.stream()
                .filter(e -> e.function() == function && e.index() == index)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void xsaveLeafOffersOnlyComponentsWhoseFeaturesAreOfferedWithSizesThatAgree() {
        List<CpuidEntry> filtered = CpuidFilter.forVcpu(xsaveHost(LEAF1_ECX_XSAVE_AVX, LEAF7_ECX_PKU), 0, 1);
        CpuidEntry main = leaf(filtered, 0xd, 0);
        assertEquals(0x207, main.eax(), "x87, SSE, AVX and PKRU; no AVX-512 without leaf 7's AVX512F");
        assertEquals(0, main.edx());
        assertEquals(0xa88, main.ecx(), "PKRU at 0xa80 plus its 8 bytes");
        assertEquals(0xa88, main.ebx(), "the size with every offered component enabled, not the reset size");
        CpuidEntry sub1 = leaf(filtered, 0xd, 1);
        assertEquals(0xf, sub1.eax(), "XSAVEOPT, XSAVEC, XGETBV1 and XSAVES kept; XFD only comes with AMX");
        assertEquals(576 + 256 + 8, sub1.ebx(), "compacted: legacy area and header, AVX, PKRU");
        assertEquals(0, sub1.ecx(), "no IA32_XSS bit for processor trace, which leaf 7 does not offer");
        assertEquals(0x100, leaf(filtered, 0xd, 2).eax(), "AVX's sub-leaf is kept");
        assertEquals(8, leaf(filtered, 0xd, 9).eax(), "PKRU's sub-leaf is kept");
        for (int zeroed : new int[] {5, 6, 7, 8}) {
            CpuidEntry component = leaf(filtered, 0xd, zeroed);
            assertEquals(
                    List.of(0, 0, 0, 0),
                    List.of(component.eax(), component.ebx(), component.ecx(), component.edx()),
                    "sub-leaf " + zeroed + " of a component not offered");
        }
        assertEquals(0x207, XsaveLeaf.offeredXcr0(filtered));
    }

    @Test
    void clearingPkuOrAvxTakesTheirStateOutOfLeafD() {
        List<CpuidEntry> noPku = CpuidFilter.forVcpu(
                xsaveHost(LEAF1_ECX_XSAVE_AVX, LEAF7_ECX_PKU),
                0,
                1,
                CpuidFilter.featuresByName(java.util.Map.of("pku", false)));
        assertEquals(0x7, leaf(noPku, 0xd, 0).eax());
        assertEquals(0x340, leaf(noPku, 0xd, 0).ecx(), "AVX ends at 0x340");
        assertEquals(0, leaf(noPku, 0xd, 9).eax());

        List<CpuidEntry> noAvx = CpuidFilter.forVcpu(xsaveHost(1 << 26, 0), 0, 1);
        assertEquals(0x3, leaf(noAvx, 0xd, 0).eax());
        assertEquals(576, leaf(noAvx, 0xd, 0).ebx());
        assertEquals(576, leaf(noAvx, 0xd, 0).ecx());
        assertEquals(576, leaf(noAvx, 0xd, 1).ebx());
    }

    @Test
    void withoutXsaveLeafDIsEmpty() {
        List<CpuidEntry> filtered = CpuidFilter.forVcpu(xsaveHost(0, LEAF7_ECX_PKU), 0, 1);
        for (CpuidEntry entry : filtered) {
            if (entry.function() != 0xd) continue;
            assertEquals(0, entry.eax() | entry.ebx() | entry.ecx() | entry.edx(), "sub-leaf " + entry.index());
        }
        assertEquals(0, XsaveLeaf.offeredXcr0(filtered));
    }

    @Test
    void supervisorStateIsOfferedOnlyWithXsavesAndItsFeature() {
        List<CpuidEntry> host = new java.util.ArrayList<>(xsaveHost(LEAF1_ECX_XSAVE_AVX, 0));
        host.replaceAll(e -> e.function() == 0x7 ? e.withEbx(1 << 25) : e); // Intel PT offered
        assertEquals(0x100, leaf(CpuidFilter.forVcpu(host, 0, 1), 0xd, 1).ecx());
        assertEquals(
                576 + 256 + 128, leaf(CpuidFilter.forVcpu(host, 0, 1), 0xd, 1).ebx());
        host.replaceAll(e -> e.function() == 0xd && e.index() == 1 ? e.withEax(0x7) : e); // no XSAVES
        assertEquals(0, leaf(CpuidFilter.forVcpu(host, 0, 1), 0xd, 1).ecx());
        assertEquals(0, leaf(CpuidFilter.forVcpu(host, 0, 1), 0xd, 8).eax());
    }
}
