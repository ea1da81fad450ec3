package io.vmm4j.arch.x86.boot;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * A kernel in guest memory, and how to enter it.
 *
 * @param protocol how a vCPU enters it
 * @param entryPoint the guest physical address to start at, for {@code protocol}
 * @param loadStart the first byte written
 * @param loadEnd the end of what was written (BSS included)
 * @param reservedEnd the end of the memory the kernel claims at boot (its init_size from its
 *     runtime start, or loadEnd if larger): nothing else (the initrd) may go below it
 * @param setupHeader the header to copy into boot_params: the bzImage's, or a made-up one for an ELF
 * @param pvhEntryPoint the 32-bit PVH entry from the ELF note XEN_ELFNOTE_PHYS32_ENTRY, if any
 */
public record LoadedKernel(
        BootProtocol protocol,
        long entryPoint,
        long loadStart,
        long loadEnd,
        long reservedEnd,
        SetupHeader setupHeader,
        OptionalLong pvhEntryPoint) {
    public LoadedKernel {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(setupHeader, "setupHeader");
        Objects.requireNonNull(pvhEntryPoint, "pvhEntryPoint");
    }

    /** The same kernel entered through its PVH entry point. */
    public LoadedKernel asPvh() {
        if (pvhEntryPoint.isEmpty()) {
            throw new IllegalStateException("this kernel has no PVH entry point (no XEN_ELFNOTE_PHYS32_ENTRY note)");
        }
        return new LoadedKernel(
                BootProtocol.PVH,
                pvhEntryPoint.getAsLong(),
                loadStart,
                loadEnd,
                reservedEnd,
                setupHeader,
                pvhEntryPoint);
    }
}
