package io.vmm4j.api;

import java.nio.file.Path;

/** A host hypervisor: creates VMs. Obtain the KVM one with {@code io.vmm4j.kvm.Kvm.open()}. */
public interface Hypervisor extends AutoCloseable {
    PlatformCapabilities capabilities();

    /** Creates a VM with its memory. vCPUs are created with {@link VirtualMachine#createVcpu(int)}. */
    VirtualMachine createVm(VmConfig config);

    /**
     * A new VM from the snapshot in {@code directory} (and, for a diff, its parents), with vCPUs,
     * devices and memory as they were, not yet started: {@link VirtualMachine#start()} resumes the
     * guest. Guest RAM is mapped copy-on-write from the memory file, which is never written.
     *
     * @throws InvalidSnapshotException for a truncated, corrupted, wrong-version or mismatched file;
     *     a failed restore leaves nothing behind (no file descriptor, thread or mapping)
     */
    VirtualMachine restore(Path directory, RestoreOptions options);

    /** {@link #restore(Path, RestoreOptions)} for a VM with no Java devices. */
    default VirtualMachine restore(Path directory) {
        return restore(directory, RestoreOptions.none());
    }

    /** The snapshot in {@code directory}, read and checked once, to clone running VMs from. */
    Template template(Path directory);

    /** Releases the hypervisor handle. VMs created from it stay usable until they are closed. */
    @Override
    void close();
}
