package io.vmm4j.arch.x86;

import io.vmm4j.api.x86.CpuidEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns KVM's supported CPUID into what one vCPU of a VM reports: its APIC id, the VM's vCPU count,
 * and the hypervisor-present bit, then the named features a VM sets or clears ({@link CpuFeature}),
 * then leaf 0xD made to agree with the features that leaves ({@link XsaveLeaf}).
 */
public final class CpuidFilter {
    private static final int LEAF_FEATURES = 0x1;
    private static final int LEAF_EXTENDED_TOPOLOGY = 0xb;
    private static final int LEAF_EXTENDED_TOPOLOGY_V2 = 0x1f;
    private static final int ECX_HYPERVISOR = 1 << 31;
    private static final int EDX_HTT = 1 << 28;

    private CpuidFilter() {}

    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int apicId, int vcpuCount) {
        return forVcpu(supported, apicId, vcpuCount, Map.of());
    }

    /**
     * As {@link #forVcpu(List, int, int)}, then each feature of {@code features} set (true) or cleared
     * (false), in its leaf's subleaf 0 when KVM reports that leaf.
     */
    public static List<CpuidEntry> forVcpu(
            List<CpuidEntry> supported, int apicId, int vcpuCount, Map<CpuFeature, Boolean> features) {
        List<CpuidEntry> result = forVcpuTopology(supported, apicId, vcpuCount);
        for (Map.Entry<CpuFeature, Boolean> feature : features.entrySet()) {
            result.replaceAll(entry -> feature.getKey().applyTo(entry, feature.getValue()));
        }
        return XsaveLeaf.normalise(result);
    }

    /** Features by name ({@link CpuFeature#byName}), as {@link io.vmm4j.api.VmConfig#cpuFeatures()} holds them. */
    public static Map<CpuFeature, Boolean> featuresByName(Map<String, Boolean> names) {
        Map<CpuFeature, Boolean> features = new java.util.LinkedHashMap<>();
        names.forEach((name, enabled) -> features.put(CpuFeature.byName(name), enabled));
        return features;
    }

    private static List<CpuidEntry> forVcpuTopology(List<CpuidEntry> supported, int apicId, int vcpuCount) {
        List<CpuidEntry> result = new ArrayList<>(supported.size());
        for (CpuidEntry entry : supported) {
            switch (entry.function()) {
                case LEAF_FEATURES -> {
                    int ebx = (entry.ebx() & 0x0000ffff) | (apicId << 24) | (Math.min(vcpuCount, 255) << 16);
                    int edx = vcpuCount > 1 ? entry.edx() | EDX_HTT : entry.edx() & ~EDX_HTT;
                    result.add(entry.withEbx(ebx)
                            .withEcx(entry.ecx() | ECX_HYPERVISOR)
                            .withEdx(edx));
                }
                case LEAF_EXTENDED_TOPOLOGY, LEAF_EXTENDED_TOPOLOGY_V2 -> result.add(entry.withEdx(apicId));
                default -> result.add(entry);
            }
        }
        return result;
    }
}
