package io.vmm4j.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a VM is made of. Immutable; build one with {@link #builder()}.
 *
 * @param vcpuCount number of vCPUs, at least 1
 * @param memorySize guest RAM in bytes, a positive multiple of 4096
 * @param irqchip whether the VM has the in-kernel interrupt controllers (PIC, IOAPIC, one LAPIC per
 *     vCPU) and PIT. An operating system needs them; with them, HLT waits for an interrupt inside
 *     the kernel instead of ending the vCPU's run.
 * @param cpuFeatures CPU features by name, each set (true) or cleared (false) in what every vCPU
 *     reports, on top of the backend's defaults; on x86 the names are those of
 *     {@code io.vmm4j.arch.x86.CpuFeature} (QEMU's), and an unknown name fails VM creation
 */
public record VmConfig(int vcpuCount, long memorySize, boolean irqchip, Map<String, Boolean> cpuFeatures) {
    public static final long PAGE_SIZE = 4096;

    public VmConfig {
        if (vcpuCount < 1) throw new IllegalArgumentException("vcpuCount must be at least 1, was " + vcpuCount);
        if (memorySize <= 0) throw new IllegalArgumentException("memorySize must be positive, was " + memorySize);
        if (memorySize % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("memorySize must be a multiple of 4096 bytes, was " + memorySize);
        }
        cpuFeatures = Collections.unmodifiableMap(new LinkedHashMap<>(cpuFeatures));
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int vcpuCount = 1;
        private long memorySize = 128L << 20;
        private boolean irqchip;
        private final Map<String, Boolean> cpuFeatures = new LinkedHashMap<>();

        private Builder() {}

        public Builder vcpuCount(int vcpuCount) {
            this.vcpuCount = vcpuCount;
            return this;
        }

        public Builder memorySize(long bytes) {
            this.memorySize = bytes;
            return this;
        }

        public Builder memoryMiB(long mebibytes) {
            return memorySize(Math.multiplyExact(mebibytes, 1L << 20));
        }

        public Builder irqchip(boolean irqchip) {
            this.irqchip = irqchip;
            return this;
        }

        /** Sets ({@code enabled}) or clears a CPU feature by name; a later call for a name wins. */
        public Builder cpuFeature(String name, boolean enabled) {
            cpuFeatures.remove(name);
            cpuFeatures.put(name, enabled);
            return this;
        }

        public VmConfig build() {
            return new VmConfig(vcpuCount, memorySize, irqchip, cpuFeatures);
        }
    }
}
