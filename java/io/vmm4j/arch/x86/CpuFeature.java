package io.vmm4j.arch.x86;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The CPUID feature bits that can be set or cleared by name on top of what KVM supports, with QEMU's
 * names (as in {@code -cpu host,+x2apic,-hypervisor}). Setting a bit only changes what the guest
 * reads: KVM decides whether it can honour it (on this project's hosts some bits are forced on
 * whatever is set; see /work/shared/KVM-HERE.md).
 */
public enum CpuFeature {
    VMX("vmx", 0x1, Register.ECX, 5),
    PCID("pcid", 0x1, Register.ECX, 17),
    CX16("cx16", 0x1, Register.ECX, 13),
    X2APIC("x2apic", 0x1, Register.ECX, 21),
    TSC_DEADLINE("tsc-deadline", 0x1, Register.ECX, 24),
    RDRAND("rdrand", 0x1, Register.ECX, 30),
    HYPERVISOR("hypervisor", 0x1, Register.ECX, 31),
    TSC_ADJUST("tsc-adjust", 0x7, Register.EBX, 1),
    SMEP("smep", 0x7, Register.EBX, 7),
    INVPCID("invpcid", 0x7, Register.EBX, 10),
    SMAP("smap", 0x7, Register.EBX, 20),
    UMIP("umip", 0x7, Register.ECX, 2),
    PKU("pku", 0x7, Register.ECX, 3),
    LA57("la57", 0x7, Register.ECX, 16),
    SVM("svm", 0x8000_0001, Register.ECX, 2),
    NX("nx", 0x8000_0001, Register.EDX, 20),
    PDPE1GB("pdpe1gb", 0x8000_0001, Register.EDX, 26),
    RDTSCP("rdtscp", 0x8000_0001, Register.EDX, 27),
    LM("lm", 0x8000_0001, Register.EDX, 29);

    /** The output register of a CPUID leaf that holds a feature bit. */
    public enum Register { EBX, ECX, EDX }

    private static final Map<String, CpuFeature> BY_NAME = new LinkedHashMap<>();

    static {
        for (CpuFeature feature : values()) BY_NAME.put(feature.featureName, feature);
    }

    private final String featureName;
    private final int leaf;
    private final Register register;
    private final int bit;

    CpuFeature(String featureName, int leaf, Register register, int bit) {
        this.featureName = featureName;
        this.leaf = leaf;
        this.register = register;
        this.bit = bit;
    }

    public String featureName() {
        return featureName;
    }

    /** The CPUID leaf (subleaf 0). */
    public int leaf() {
        return leaf;
    }

    public Register register() {
        return register;
    }

    public int bit() {
        return bit;
    }

    /**
     * The feature called {@code name}; QEMU's spellings with '_' for '-' are accepted.
     *
     * @throws IllegalArgumentException naming the known features when there is none of that name
     */
    public static CpuFeature byName(String name) {
        CpuFeature feature = BY_NAME.get(name.toLowerCase(Locale.ROOT).replace('_', '-'));
        if (feature == null) {
            throw new IllegalArgumentException("unknown CPU feature '" + name + "'; known features: " + names());
        }
        return feature;
    }

    /** The known names, comma separated. */
    public static String names() {
        return Arrays.stream(values()).map(CpuFeature::featureName).collect(Collectors.joining(", "));
    }

    /** {@code entry} with this feature's bit set or cleared, when it is this feature's leaf. */
    CpuidEntry applyTo(CpuidEntry entry, boolean enabled) {
        if (entry.function() != leaf || entry.index() != 0) return entry;
        int mask = 1 << bit;
        return switch (register) {
            case EBX -> entry.withEbx(enabled ? entry.ebx() | mask : entry.ebx() & ~mask);
            case ECX -> entry.withEcx(enabled ? entry.ecx() | mask : entry.ecx() & ~mask);
            case EDX -> entry.withEdx(enabled ? entry.edx() | mask : entry.edx() & ~mask);
        };
    }
}
