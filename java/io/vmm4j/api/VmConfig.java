package io.vmm4j.api;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
 * @param ioThreadCpus the host CPUs the VM's virtio I/O thread may run on; empty (the default)
 *     leaves it to the scheduler. Pin it as you pin the vCPUs: next to them for cache locality, or
 *     away from them so that I/O does not steal their time. A CPU the kernel refuses (offline, or
 *     outside the process's cgroup) fails the first {@code addVirtioDevice}, naming the CPUs.
 * @param pit the in-kernel PIT that comes with the irqchip, and what it does with timer ticks the
 *     guest missed; ignored without the irqchip
 * @param cpuModel the CPU model whose features every vCPU reports before {@code cpuFeatures} apply;
 *     on x86 the names are those of {@code io.vmm4j.arch.x86.CpuModel} (QEMU's: host, max, qemu64,
 *     kvm64), and an unknown name fails VM creation. The default, host, is all KVM supports.
 */
public record VmConfig(
        int vcpuCount,
        long memorySize,
        boolean irqchip,
        Map<String, Boolean> cpuFeatures,
        List<Integer> ioThreadCpus,
        Pit pit,
        String cpuModel) {
    public static final long PAGE_SIZE = 4096;
    public static final String DEFAULT_CPU_MODEL = "host";

    /** The in-kernel PIT (i8254) that comes with the irqchip. */
    public enum Pit {
        /** No PIT: its ports are unclaimed (QEMU's {@code -machine pit=off}). */
        NONE,
        /** Ticks the guest missed are delivered late, one by one (KVM's default; QEMU's lost_tick_policy=delay). */
        REINJECT,
        /** Ticks the guest missed are dropped (QEMU's {@code -global kvm-pit.lost_tick_policy=discard}). */
        DISCARD
    }

    public VmConfig {
        if (vcpuCount < 1) throw new IllegalArgumentException("vcpuCount must be at least 1, was " + vcpuCount);
        if (memorySize <= 0) throw new IllegalArgumentException("memorySize must be positive, was " + memorySize);
        if (memorySize % PAGE_SIZE != 0) {
            throw new IllegalArgumentException("memorySize must be a multiple of 4096 bytes, was " + memorySize);
        }
        cpuFeatures = Collections.unmodifiableMap(new LinkedHashMap<>(cpuFeatures));
        Objects.requireNonNull(pit, "pit");
        Objects.requireNonNull(cpuModel, "cpuModel");
        ioThreadCpus = List.copyOf(ioThreadCpus);
        for (int cpu : ioThreadCpus) {
            if (cpu < 0) throw new IllegalArgumentException("ioThreadCpus must not be negative: " + ioThreadCpus);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private int vcpuCount = 1;
        private long memorySize = 128L << 20;
        private boolean irqchip;
        private final Map<String, Boolean> cpuFeatures = new LinkedHashMap<>();
        private List<Integer> ioThreadCpus = List.of();
        private Pit pit = Pit.REINJECT;
        private String cpuModel = DEFAULT_CPU_MODEL;

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

        /** The in-kernel PIT and its lost-tick policy (default {@link Pit#REINJECT}, KVM's own). */
        public Builder pit(Pit pit) {
            this.pit = pit;
            return this;
        }

        /** The CPU model by name (default {@value VmConfig#DEFAULT_CPU_MODEL}); see {@link VmConfig#cpuModel()}. */
        public Builder cpuModel(String cpuModel) {
            this.cpuModel = cpuModel;
            return this;
        }

        /** Pins the virtio I/O thread to these host CPUs; none (the default) leaves it unpinned. */
        public Builder ioThreadCpus(int... cpus) {
            this.ioThreadCpus = Arrays.stream(cpus).boxed().toList();
            return this;
        }

        public VmConfig build() {
            return new VmConfig(vcpuCount, memorySize, irqchip, cpuFeatures, ioThreadCpus, pit, cpuModel);
        }
    }
}
