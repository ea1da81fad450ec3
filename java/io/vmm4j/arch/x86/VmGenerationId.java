package io.vmm4j.arch.x86;

import io.vmm4j.api.GenerationId;
import io.vmm4j.api.VirtualMachine;

/**
 * Where a PC puts its VM Generation ID: the 128-bit id at {@link MemoryLayout#VMGENID_ADDRESS}, which
 * the DSDT's VGEN device points the guest at ({@link io.vmm4j.arch.x86.acpi.AcpiPlatform#vmGenerationId()}),
 * notified through the Generic Event Device on {@link MemoryLayout#GED_IRQ}. Linux (5.18 and later,
 * vmgenid) reseeds its RNG when the id changes, so clones of one snapshot do not share entropy; every
 * restore and clone changes it ({@link GenerationId}).
 */
public final class VmGenerationId {
    /** Its device name in snapshots. */
    public static final String NAME = "vmgenid";

    private VmGenerationId() {}

    /** Adds the id to a CREATED {@code vm} whose ACPI tables describe it; a fresh id is written, unnotified. */
    public static GenerationId install(VirtualMachine vm) {
        return vm.addGenerationId(NAME, MemoryLayout.VMGENID_ADDRESS, MemoryLayout.GED_IRQ);
    }
}
