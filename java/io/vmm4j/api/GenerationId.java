package io.vmm4j.api;

/**
 * A VM generation id (as ACPI's VM Generation ID): 128 random bits at a guest address, changed and
 * signalled on an interrupt line every time the VM is restored or cloned, so that the guest knows it
 * is a copy and reseeds its RNG (Linux 5.18 and later). Added with {@link
 * VirtualMachine#addGenerationId}; a restore writes a fresh id and raises the line before any vCPU runs.
 */
public interface GenerationId {
    /** Bytes in an id. */
    int SIZE = 16;

    /** The guest-physical address of the id. */
    long address();

    /** The interrupt line (GSI) that tells the guest the id changed. */
    int gsi();

    /** The id the guest reads now. */
    byte[] id();

    /** Writes a fresh id and raises an edge on {@link #gsi()}; returns the new id. */
    byte[] regenerate();
}
