package io.vmm4j.benchmarks;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.benchmarks.baseline.RawKvm;
import io.vmm4j.guests.BundledGuest;

/** The kind of exit a loop guest makes, with the guest that makes it and the address it uses. */
public enum Access {
    PIO_OUT("PIO out", BundledGuest.PIO_LOOP, AddressSpace.PIO, RawKvm.PIO_OUT),
    PIO_IN("PIO in", BundledGuest.PIO_IN_LOOP, AddressSpace.PIO, RawKvm.PIO_IN),
    MMIO_WRITE("MMIO write", BundledGuest.MMIO_LOOP, AddressSpace.MMIO, RawKvm.MMIO_WRITE),
    MMIO_READ("MMIO read", BundledGuest.MMIO_READ_LOOP, AddressSpace.MMIO, RawKvm.MMIO_READ);

    /** A port no in-kernel device handles (KVM-HERE.md lists the ones to avoid). */
    public static final int PORT = 0x510;
    /** An MMIO address far above the 128 MiB of RAM, in no memory slot. */
    public static final long MMIO_ADDRESS = 0xd000_0000L;

    public static final long MMIO_LENGTH = 0x1000;

    public final String label;
    public final BundledGuest guest;
    public final AddressSpace space;
    public final int rawKind;

    Access(String label, BundledGuest guest, AddressSpace space, int rawKind) {
        this.label = label;
        this.guest = guest;
        this.space = space;
        this.rawKind = rawKind;
    }

    /** The port or MMIO address the guest accesses (EDX). */
    public long target() {
        return space == AddressSpace.PIO ? PORT : MMIO_ADDRESS;
    }

    /** The length of the device registered on {@link #target()}. */
    public long deviceLength() {
        return space == AddressSpace.PIO ? 1 : MMIO_LENGTH;
    }
}
