package io.vmm4j.arch.x86;

import io.vmm4j.api.x86.CpuidEntry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A CPU model by QEMU's name: which of KVM's supported CPUID feature bits a vCPU keeps. {@code host}
 * and {@code max} keep everything KVM supports (under KVM, QEMU's {@code max} is {@code host} too);
 * {@code qemu64} and {@code kvm64} keep only QEMU's baseline of that model (target/i386/cpu.c,
 * builtin_x86_defs) with what QEMU adds or removes under KVM (kvm_default_props: x2apic on, svm off).
 * A model masks the feature registers of CPUID 0x1, 0x7.0 and 0x8000_0001, and empties leaf 0xD
 * when it has no XSAVE; the vendor, family and model stay the host's, as QEMU keeps the host's vendor
 * under KVM. Named features ({@link CpuFeature}) are applied after the model, so
 * {@code qemu64,+tsc-deadline} works as in QEMU.
 */
public enum CpuModel {
    HOST("host", null),
    MAX("max", null),
    QEMU64("qemu64", Baseline.QEMU64),
    KVM64("kvm64", Baseline.KVM64);

    public static final CpuModel DEFAULT = HOST;
    private static final int LEAF_FEATURES = 0x1;
    private static final int LEAF_STRUCTURED = 0x7;
    private static final int LEAF_XSAVE = 0xd;
    private static final int LEAF_EXT_FEATURES = 0x8000_0001;

    private final String modelName;
    private final Set<CpuFeature> baseline;

    CpuModel(String modelName, Set<CpuFeature> baseline) {
        this.modelName = modelName;
        this.baseline = baseline;
    }

    public String modelName() {
        return modelName;
    }

    /** Whether the model passes KVM's supported features through unmasked. */
    public boolean passesThrough() {
        return baseline == null;
    }

    /**
     * The model called {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known models when there is none of that name
     */
    public static CpuModel byName(String name) {
        for (CpuModel model : values()) {
            if (model.modelName.equals(name.toLowerCase(Locale.ROOT))) return model;
        }
        throw new IllegalArgumentException("unknown CPU model '" + name + "'; known models: " + names());
    }

    /** The known names, comma separated. */
    public static String names() {
        return Arrays.stream(values()).map(CpuModel::modelName).collect(Collectors.joining(", "));
    }

    /** KVM's supported CPUID as this model reports it: feature bits outside the model cleared. */
    public List<CpuidEntry> apply(List<CpuidEntry> supported) {
        if (baseline == null) return supported;
        boolean xsave = baseline.contains(CpuFeature.XSAVE);
        List<CpuidEntry> result = new ArrayList<>(supported.size());
        for (CpuidEntry entry : supported) {
            if (entry.function() == LEAF_XSAVE && !xsave) {
                result.add(new CpuidEntry(entry.function(), entry.index(), entry.flags(), 0, 0, 0, 0));
            } else if (entry.function() == LEAF_FEATURES
                    || entry.function() == LEAF_EXT_FEATURES
                    || (entry.function() == LEAF_STRUCTURED && entry.index() == 0)) {
                result.add(entry.withEbx(entry.ebx() & mask(entry.function(), CpuFeature.Register.EBX))
                        .withEcx(entry.ecx() & mask(entry.function(), CpuFeature.Register.ECX))
                        .withEdx(entry.edx() & mask(entry.function(), CpuFeature.Register.EDX)));
            } else {
                result.add(entry);
            }
        }
        return result;
    }

    /** The bits of one feature register this model keeps; leaf 0x1 EBX holds no features, only ids. */
    private int mask(int leaf, CpuFeature.Register register) {
        if (leaf == LEAF_FEATURES && register == CpuFeature.Register.EBX) return -1;
        int mask = 0;
        for (CpuFeature feature : baseline) {
            if (feature.leaf() == leaf && feature.register() == register) mask |= 1 << feature.bit();
        }
        return mask;
    }

    /** QEMU's feature sets, as in builtin_x86_defs, plus kvm_default_props. */
    private static final class Baseline {
        /** PPRO_FEATURES in QEMU. */
        static final Set<CpuFeature> PPRO = EnumSet.of(
                CpuFeature.FPU,
                CpuFeature.DE,
                CpuFeature.PSE,
                CpuFeature.TSC,
                CpuFeature.MSR,
                CpuFeature.MCE,
                CpuFeature.CX8,
                CpuFeature.PGE,
                CpuFeature.CMOV,
                CpuFeature.PAT,
                CpuFeature.FXSR,
                CpuFeature.MMX,
                CpuFeature.SSE,
                CpuFeature.SSE2,
                CpuFeature.PAE,
                CpuFeature.SEP,
                CpuFeature.APIC);
        /** What every model gets under KVM: x2apic on (svm off is simply not added). */
        static final Set<CpuFeature> KVM_DEFAULTS = EnumSet.of(CpuFeature.X2APIC);

        static final Set<CpuFeature> QEMU64 = union(
                PPRO,
                KVM_DEFAULTS,
                EnumSet.of(
                        CpuFeature.MTRR,
                        CpuFeature.CLFLUSH,
                        CpuFeature.MCA,
                        CpuFeature.PSE36,
                        CpuFeature.PNI,
                        CpuFeature.CX16,
                        CpuFeature.LM,
                        CpuFeature.SYSCALL,
                        CpuFeature.NX,
                        CpuFeature.LAHF_LM));
        static final Set<CpuFeature> KVM64 = union(
                PPRO,
                KVM_DEFAULTS,
                EnumSet.of(
                        CpuFeature.VME,
                        CpuFeature.MTRR,
                        CpuFeature.CLFLUSH,
                        CpuFeature.MCA,
                        CpuFeature.PSE36,
                        CpuFeature.PNI,
                        CpuFeature.CX16,
                        CpuFeature.LM,
                        CpuFeature.SYSCALL,
                        CpuFeature.NX));

        @SafeVarargs
        private static Set<CpuFeature> union(Set<CpuFeature>... sets) {
            Set<CpuFeature> union = EnumSet.noneOf(CpuFeature.class);
            for (Set<CpuFeature> set : sets) union.addAll(set);
            return union;
        }
    }
}
