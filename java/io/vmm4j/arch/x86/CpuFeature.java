package io.vmm4j.arch.x86;

import io.vmm4j.api.x86.CpuidEntry;
import io.vmm4j.api.x86.Register;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The CPUID feature bits that can be set or cleared by name on top of what KVM supports, with QEMU's
 * names (as in {@code -cpu host,+x2apic,-hypervisor}): every named bit of CPUID 0x1 ECX/EDX, 0x7.0
 * EBX/ECX and 0x8000_0001 ECX/EDX in QEMU's {@code feature_word_info}, and the common ones of 0x7.0
 * EDX. Setting a bit only changes what the guest reads: KVM decides whether it can honour it (on this
 * project's hosts some bits are forced on whatever is set; see /work/shared/KVM-HERE.md).
 */
public enum CpuFeature {
    // CPUID 0x1 EDX
    FPU("fpu", 0x1, Register.EDX, 0),
    VME("vme", 0x1, Register.EDX, 1),
    DE("de", 0x1, Register.EDX, 2),
    PSE("pse", 0x1, Register.EDX, 3),
    TSC("tsc", 0x1, Register.EDX, 4),
    MSR("msr", 0x1, Register.EDX, 5),
    PAE("pae", 0x1, Register.EDX, 6),
    MCE("mce", 0x1, Register.EDX, 7),
    CX8("cx8", 0x1, Register.EDX, 8),
    APIC("apic", 0x1, Register.EDX, 9),
    SEP("sep", 0x1, Register.EDX, 11),
    MTRR("mtrr", 0x1, Register.EDX, 12),
    PGE("pge", 0x1, Register.EDX, 13),
    MCA("mca", 0x1, Register.EDX, 14),
    CMOV("cmov", 0x1, Register.EDX, 15),
    PAT("pat", 0x1, Register.EDX, 16),
    PSE36("pse36", 0x1, Register.EDX, 17),
    PN("pn", 0x1, Register.EDX, 18),
    CLFLUSH("clflush", 0x1, Register.EDX, 19),
    DS("ds", 0x1, Register.EDX, 21),
    ACPI("acpi", 0x1, Register.EDX, 22),
    MMX("mmx", 0x1, Register.EDX, 23),
    FXSR("fxsr", 0x1, Register.EDX, 24),
    SSE("sse", 0x1, Register.EDX, 25),
    SSE2("sse2", 0x1, Register.EDX, 26),
    SS("ss", 0x1, Register.EDX, 27),
    HT("ht", 0x1, Register.EDX, 28),
    TM("tm", 0x1, Register.EDX, 29),
    IA64("ia64", 0x1, Register.EDX, 30),
    PBE("pbe", 0x1, Register.EDX, 31),
    // CPUID 0x1 ECX
    PNI("pni", 0x1, Register.ECX, 0),
    PCLMULQDQ("pclmulqdq", 0x1, Register.ECX, 1),
    DTES64("dtes64", 0x1, Register.ECX, 2),
    MONITOR("monitor", 0x1, Register.ECX, 3),
    DS_CPL("ds-cpl", 0x1, Register.ECX, 4),
    VMX("vmx", 0x1, Register.ECX, 5),
    SMX("smx", 0x1, Register.ECX, 6),
    EST("est", 0x1, Register.ECX, 7),
    TM2("tm2", 0x1, Register.ECX, 8),
    SSSE3("ssse3", 0x1, Register.ECX, 9),
    CID("cid", 0x1, Register.ECX, 10),
    FMA("fma", 0x1, Register.ECX, 12),
    CX16("cx16", 0x1, Register.ECX, 13),
    XTPR("xtpr", 0x1, Register.ECX, 14),
    PDCM("pdcm", 0x1, Register.ECX, 15),
    PCID("pcid", 0x1, Register.ECX, 17),
    DCA("dca", 0x1, Register.ECX, 18),
    SSE4_1("sse4.1", 0x1, Register.ECX, 19),
    SSE4_2("sse4.2", 0x1, Register.ECX, 20),
    X2APIC("x2apic", 0x1, Register.ECX, 21),
    MOVBE("movbe", 0x1, Register.ECX, 22),
    POPCNT("popcnt", 0x1, Register.ECX, 23),
    TSC_DEADLINE("tsc-deadline", 0x1, Register.ECX, 24),
    AES("aes", 0x1, Register.ECX, 25),
    XSAVE("xsave", 0x1, Register.ECX, 26),
    AVX("avx", 0x1, Register.ECX, 28),
    F16C("f16c", 0x1, Register.ECX, 29),
    RDRAND("rdrand", 0x1, Register.ECX, 30),
    HYPERVISOR("hypervisor", 0x1, Register.ECX, 31),
    // CPUID 0x7 EBX (subleaf 0)
    FSGSBASE("fsgsbase", 0x7, Register.EBX, 0),
    TSC_ADJUST("tsc-adjust", 0x7, Register.EBX, 1),
    SGX("sgx", 0x7, Register.EBX, 2),
    BMI1("bmi1", 0x7, Register.EBX, 3),
    HLE("hle", 0x7, Register.EBX, 4),
    AVX2("avx2", 0x7, Register.EBX, 5),
    SMEP("smep", 0x7, Register.EBX, 7),
    BMI2("bmi2", 0x7, Register.EBX, 8),
    ERMS("erms", 0x7, Register.EBX, 9),
    INVPCID("invpcid", 0x7, Register.EBX, 10),
    RTM("rtm", 0x7, Register.EBX, 11),
    MPX("mpx", 0x7, Register.EBX, 14),
    AVX512F("avx512f", 0x7, Register.EBX, 16),
    AVX512DQ("avx512dq", 0x7, Register.EBX, 17),
    RDSEED("rdseed", 0x7, Register.EBX, 18),
    ADX("adx", 0x7, Register.EBX, 19),
    SMAP("smap", 0x7, Register.EBX, 20),
    AVX512IFMA("avx512ifma", 0x7, Register.EBX, 21),
    PCOMMIT("pcommit", 0x7, Register.EBX, 22),
    CLFLUSHOPT("clflushopt", 0x7, Register.EBX, 23),
    CLWB("clwb", 0x7, Register.EBX, 24),
    INTEL_PT("intel-pt", 0x7, Register.EBX, 25),
    AVX512PF("avx512pf", 0x7, Register.EBX, 26),
    AVX512ER("avx512er", 0x7, Register.EBX, 27),
    AVX512CD("avx512cd", 0x7, Register.EBX, 28),
    SHA_NI("sha-ni", 0x7, Register.EBX, 29),
    AVX512BW("avx512bw", 0x7, Register.EBX, 30),
    AVX512VL("avx512vl", 0x7, Register.EBX, 31),
    // CPUID 0x7 ECX (subleaf 0)
    AVX512VBMI("avx512vbmi", 0x7, Register.ECX, 1),
    UMIP("umip", 0x7, Register.ECX, 2),
    PKU("pku", 0x7, Register.ECX, 3),
    WAITPKG("waitpkg", 0x7, Register.ECX, 5),
    AVX512VBMI2("avx512vbmi2", 0x7, Register.ECX, 6),
    GFNI("gfni", 0x7, Register.ECX, 8),
    VAES("vaes", 0x7, Register.ECX, 9),
    VPCLMULQDQ("vpclmulqdq", 0x7, Register.ECX, 10),
    AVX512VNNI("avx512vnni", 0x7, Register.ECX, 11),
    AVX512BITALG("avx512bitalg", 0x7, Register.ECX, 12),
    AVX512_VPOPCNTDQ("avx512-vpopcntdq", 0x7, Register.ECX, 14),
    LA57("la57", 0x7, Register.ECX, 16),
    RDPID("rdpid", 0x7, Register.ECX, 22),
    BUS_LOCK_DETECT("bus-lock-detect", 0x7, Register.ECX, 24),
    CLDEMOTE("cldemote", 0x7, Register.ECX, 25),
    MOVDIRI("movdiri", 0x7, Register.ECX, 27),
    MOVDIR64B("movdir64b", 0x7, Register.ECX, 28),
    SGXLC("sgxlc", 0x7, Register.ECX, 30),
    PKS("pks", 0x7, Register.ECX, 31),
    // CPUID 0x7 EDX (subleaf 0)
    FSRM("fsrm", 0x7, Register.EDX, 4),
    MD_CLEAR("md-clear", 0x7, Register.EDX, 10),
    SERIALIZE("serialize", 0x7, Register.EDX, 14),
    SPEC_CTRL("spec-ctrl", 0x7, Register.EDX, 26),
    STIBP("stibp", 0x7, Register.EDX, 27),
    ARCH_CAPABILITIES("arch-capabilities", 0x7, Register.EDX, 29),
    SSBD("ssbd", 0x7, Register.EDX, 31),
    // CPUID 0x80000001 EDX
    SYSCALL("syscall", 0x8000_0001, Register.EDX, 11),
    NX("nx", 0x8000_0001, Register.EDX, 20),
    MMXEXT("mmxext", 0x8000_0001, Register.EDX, 22),
    FXSR_OPT("fxsr-opt", 0x8000_0001, Register.EDX, 25),
    PDPE1GB("pdpe1gb", 0x8000_0001, Register.EDX, 26),
    RDTSCP("rdtscp", 0x8000_0001, Register.EDX, 27),
    LM("lm", 0x8000_0001, Register.EDX, 29),
    AMD_3DNOWEXT("3dnowext", 0x8000_0001, Register.EDX, 30),
    AMD_3DNOW("3dnow", 0x8000_0001, Register.EDX, 31),
    // CPUID 0x80000001 ECX
    LAHF_LM("lahf-lm", 0x8000_0001, Register.ECX, 0),
    CMP_LEGACY("cmp-legacy", 0x8000_0001, Register.ECX, 1),
    SVM("svm", 0x8000_0001, Register.ECX, 2),
    EXTAPIC("extapic", 0x8000_0001, Register.ECX, 3),
    CR8LEGACY("cr8legacy", 0x8000_0001, Register.ECX, 4),
    ABM("abm", 0x8000_0001, Register.ECX, 5),
    SSE4A("sse4a", 0x8000_0001, Register.ECX, 6),
    MISALIGNSSE("misalignsse", 0x8000_0001, Register.ECX, 7),
    AMD_3DNOWPREFETCH("3dnowprefetch", 0x8000_0001, Register.ECX, 8),
    OSVW("osvw", 0x8000_0001, Register.ECX, 9),
    IBS("ibs", 0x8000_0001, Register.ECX, 10),
    XOP("xop", 0x8000_0001, Register.ECX, 11),
    SKINIT("skinit", 0x8000_0001, Register.ECX, 12),
    WDT("wdt", 0x8000_0001, Register.ECX, 13),
    LWP("lwp", 0x8000_0001, Register.ECX, 15),
    FMA4("fma4", 0x8000_0001, Register.ECX, 16),
    TCE("tce", 0x8000_0001, Register.ECX, 17),
    NODEID_MSR("nodeid-msr", 0x8000_0001, Register.ECX, 19),
    TBM("tbm", 0x8000_0001, Register.ECX, 21),
    TOPOEXT("topoext", 0x8000_0001, Register.ECX, 22),
    PERFCTR_CORE("perfctr-core", 0x8000_0001, Register.ECX, 23),
    PERFCTR_NB("perfctr-nb", 0x8000_0001, Register.ECX, 24);

    /** The output register of a CPUID leaf that holds a feature bit. */
    public enum Register {
        EBX,
        ECX,
        EDX
    }

    private static final Map<String, CpuFeature> BY_NAME = new LinkedHashMap<>();
    /** QEMU's other spellings (after '_' became '-'). */
    private static final Map<String, String> ALIASES = Map.of(
            "sse3",
            "pni",
            "sse4-1",
            "sse4.1",
            "sse4-2",
            "sse4.2",
            "pclmuldq",
            "pclmulqdq",
            "ffxsr",
            "fxsr-opt",
            "i64",
            "lm",
            "xd",
            "nx");

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
        String key = name.toLowerCase(Locale.ROOT).replace('_', '-');
        CpuFeature feature = BY_NAME.get(ALIASES.getOrDefault(key, key));
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
