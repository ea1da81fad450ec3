package io.vmm4j.arch.x86;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns KVM's supported CPUID into what one vCPU of a VM reports: its APIC id, the VM's vCPU count,
 * and the hypervisor-present bit.
 */
public final class CpuidFilter {
    private static final int LEAF_FEATURES = 0x1;
    private static final int LEAF_EXTENDED_TOPOLOGY = 0xb;
    private static final int LEAF_EXTENDED_TOPOLOGY_V2 = 0x1f;
    private static final int ECX_HYPERVISOR = 1 << 31;
    private static final int EDX_HTT = 1 << 28;

    private CpuidFilter() {}

    public static List<CpuidEntry> forVcpu(List<CpuidEntry> supported, int apicId, int vcpuCount) {
        List<CpuidEntry> result = new ArrayList<>(supported.size());
        for (CpuidEntry entry : supported) {
            switch (entry.function()) {
                case LEAF_FEATURES -> {
                    int ebx = (entry.ebx() & 0x0000ffff) | (apicId << 24) | (Math.min(vcpuCount, 255) << 16);
                    int edx = vcpuCount > 1 ? entry.edx() | EDX_HTT : entry.edx() & ~EDX_HTT;
                    result.add(entry.withEbx(ebx).withEcx(entry.ecx() | ECX_HYPERVISOR).withEdx(edx));
                }
                case LEAF_EXTENDED_TOPOLOGY, LEAF_EXTENDED_TOPOLOGY_V2 -> result.add(entry.withEdx(apicId));
                default -> result.add(entry);
            }
        }
        return result;
    }
}
