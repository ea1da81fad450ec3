package io.vmm4j.api;

import java.util.BitSet;

/**
 * Guest physical memory as the host sees it. Every access is bounds-checked in the native core;
 * a range outside guest RAM throws {@link GuestMemoryAccessException} and touches nothing.
 * Values are little-endian, as on x86.
 */
public interface GuestMemory {
    long PAGE_SIZE = 4096;

    /** Bytes of guest RAM. */
    long size();

    void read(long guestAddress, byte[] destination, int offset, int length);

    default byte[] read(long guestAddress, int length) {
        byte[] bytes = new byte[length];
        read(guestAddress, bytes, 0, length);
        return bytes;
    }

    void write(long guestAddress, byte[] source, int offset, int length);

    default void write(long guestAddress, byte[] source) {
        write(guestAddress, source, 0, source.length);
    }

    byte readByte(long guestAddress);

    short readShort(long guestAddress);

    int readInt(long guestAddress);

    long readLong(long guestAddress);

    void writeByte(long guestAddress, byte value);

    void writeShort(long guestAddress, short value);

    void writeInt(long guestAddress, int value);

    void writeLong(long guestAddress, long value);

    /**
     * Starts recording which pages change: those the guest's vCPUs write, those the VMM's devices
     * write (virtio buffers and rings), and those written through this interface. Starts a fresh
     * record. The record is this interface's own: diff snapshots keep theirs apart, so neither
     * reading nor turning tracking off here changes what the next {@link VirtualMachine#snapshotDiff} holds.
     */
    void enableDirtyTracking();

    void disableDirtyTracking();

    boolean isDirtyTrackingEnabled();

    /**
     * The pages written since tracking began or since the last call (by vCPUs, devices or the host),
     * and clears the record.
     * Bit {@code n} is the page at guest address {@code n * PAGE_SIZE}.
     *
     * @throws IllegalStateException if tracking is not enabled
     */
    BitSet getAndClearDirtyPages();
}
