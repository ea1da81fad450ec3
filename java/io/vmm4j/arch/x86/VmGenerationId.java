package io.vmm4j.arch.x86;

import io.vmm4j.api.VirtualMachine;
import java.security.SecureRandom;
import java.util.Objects;

/**
 * The VM Generation ID: 128 random bits at {@link MemoryLayout#VMGENID_ADDRESS} in guest memory, which
 * the DSDT's VGEN device points the guest at ({@link io.vmm4j.arch.x86.acpi.AcpiPlatform#vmGenerationId()}).
 * A new id tells the guest it is a clone or a restored copy: Linux (5.18 and later, vmgenid) then
 * reseeds its RNG, so clones of one snapshot do not share entropy. The id lives in guest memory, so a
 * memory snapshot carries it; this object holds no state of its own.
 */
public final class VmGenerationId {
    /** Bytes in the id. */
    public static final int SIZE = 16;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final VirtualMachine vm;

    /** The VM Generation ID of {@code vm}, whose ACPI tables describe it. */
    public VmGenerationId(VirtualMachine vm) {
        this.vm = Objects.requireNonNull(vm, "vm");
    }

    /** Writes a fresh id without notifying anyone: when the VM is built, before the guest runs. */
    public static VmGenerationId install(VirtualMachine vm) {
        VmGenerationId id = new VmGenerationId(vm);
        id.write(fresh());
        return id;
    }

    /** The id the guest reads now. */
    public byte[] id() {
        return vm.memory().read(MemoryLayout.VMGENID_ADDRESS, SIZE);
    }

    /**
     * Writes a fresh id and notifies the guest with an edge on the Generic Event Device's interrupt
     * ({@link MemoryLayout#GED_IRQ}), whose _EVT method notifies VGEN; call it on every restore and
     * clone. Needs the in-kernel irqchip. Returns the new id.
     */
    public byte[] regenerate() {
        byte[] id = fresh();
        write(id);
        vm.setIrqLevel(MemoryLayout.GED_IRQ, true);
        vm.setIrqLevel(MemoryLayout.GED_IRQ, false);
        return id;
    }

    private void write(byte[] id) {
        vm.memory().write(MemoryLayout.VMGENID_ADDRESS, id);
    }

    private static byte[] fresh() {
        byte[] id = new byte[SIZE];
        RANDOM.nextBytes(id);
        return id;
    }
}
