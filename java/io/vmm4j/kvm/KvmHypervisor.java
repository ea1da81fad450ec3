package io.vmm4j.kvm;

import io.vmm4j.api.PlatformCapabilities;
import io.vmm4j.api.PlatformCapabilities.Feature;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.x86.CpuidEntry;
import io.vmm4j.jni.Native;
import io.vmm4j.jni.NativeContract;
import io.vmm4j.jni.NativeCore;
import io.vmm4j.vmm.backend.HypervisorBackend;
import io.vmm4j.vmm.backend.MemoryRegion;
import io.vmm4j.vmm.backend.VmBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** The /dev/kvm handle: capabilities, the supported CPUID, and VM creation. */
final class KvmHypervisor implements HypervisorBackend {
    private static final int MAX_CPUID_ENTRIES = 256;

    private final Path device;
    private final PlatformCapabilities capabilities;
    private final List<CpuidEntry> supportedCpuid;
    private long system;

    KvmHypervisor(Path device) {
        this.device = device;
        this.system = Native.check(NativeCore.vmm4j_system_open(device.toString()));
        try {
            this.capabilities = readCapabilities();
            this.supportedCpuid = readSupportedCpuid();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private PlatformCapabilities readCapabilities() {
        Set<Feature> present = EnumSet.noneOf(Feature.class);
        for (KvmCapability capability : KvmCapability.values()) {
            if (checkExtension(capability.number) > 0) present.add(capability.feature);
        }
        int maxVcpus = checkExtension(KvmCapability.MAX_VCPUS);
        if (maxVcpus == 0) maxVcpus = checkExtension(KvmCapability.NR_VCPUS);
        return new PlatformCapabilities(maxVcpus, checkExtension(KvmCapability.NR_MEMSLOTS), present);
    }

    private int checkExtension(int number) {
        return (int) Native.check(NativeCore.vmm4j_system_check_extension(system, number));
    }

    private List<CpuidEntry> readSupportedCpuid() {
        long[] blocks = new long[MAX_CPUID_ENTRIES * NativeContract.CPUID_ENTRY_SLOTS];
        int count = (int) Native.check(NativeCore.vmm4j_system_supported_cpuid(system, blocks, MAX_CPUID_ENTRIES));
        List<CpuidEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) entries.add(CpuidEntry.fromSlots(blocks, i * NativeContract.CPUID_ENTRY_SLOTS));
        return List.copyOf(entries);
    }

    @Override
    public PlatformCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public List<CpuidEntry> supportedCpuid() {
        return supportedCpuid;
    }

    @Override
    public synchronized VmBackend createVm(String name, VmConfig config, List<MemoryRegion> ram) {
        if (system == 0) throw new IllegalStateException("hypervisor " + device + " is closed");
        return new KvmVm(name, Native.check(NativeCore.vmm4j_vm_create(system)), config, ram);
    }

    @Override
    public synchronized void close() {
        // A VM keeps its own fd, so closing /dev/kvm here does not affect VMs still open.
        if (system != 0) {
            NativeCore.vmm4j_system_close(system);
            system = 0;
        }
    }

    @Override
    public String toString() {
        return "KVM(" + device + ")";
    }
}
