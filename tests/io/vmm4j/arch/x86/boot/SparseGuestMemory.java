package io.vmm4j.arch.x86.boot;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.GuestMemoryAccessException;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.MemoryLayout.RamRegion;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Guest memory without a VM: pages allocated on first write, RAM laid out as {@link MemoryLayout} says. */
final class SparseGuestMemory implements GuestMemory {
    private final long size;
    private final List<RamRegion> regions;
    private final Map<Long, byte[]> pages = new HashMap<>();

    SparseGuestMemory(long size) {
        this.size = size;
        this.regions = MemoryLayout.ramRegions(size);
    }

    int touchedPages() {
        return pages.size();
    }

    private void check(long address, long length) {
        if (regions.stream().noneMatch(r -> r.contains(address, length))) {
            throw new GuestMemoryAccessException(
                    "guest memory access",
                    "guest range [0x" + Long.toHexString(address) + ", +0x" + Long.toHexString(length)
                            + ") is outside guest memory");
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long guestAddress, byte[] destination, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, destination.length);
        check(guestAddress, length);
        for (int i = 0; i < length; ) {
            long address = guestAddress + i;
            int inPage = (int) (address % PAGE_SIZE);
            int n = (int) Math.min(length - i, PAGE_SIZE - inPage);
            byte[] page = pages.get(address / PAGE_SIZE);
            if (page == null) {
                java.util.Arrays.fill(destination, offset + i, offset + i + n, (byte) 0);
            } else {
                System.arraycopy(page, inPage, destination, offset + i, n);
            }
            i += n;
        }
    }

    @Override
    public void write(long guestAddress, byte[] source, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, source.length);
        check(guestAddress, length);
        for (int i = 0; i < length; ) {
            long address = guestAddress + i;
            int inPage = (int) (address % PAGE_SIZE);
            int n = (int) Math.min(length - i, PAGE_SIZE - inPage);
            byte[] page = pages.computeIfAbsent(address / PAGE_SIZE, p -> new byte[(int) PAGE_SIZE]);
            System.arraycopy(source, offset + i, page, inPage, n);
            i += n;
        }
    }

    private long readValue(long address, int bytes) {
        byte[] value = read(address, bytes);
        long result = 0;
        for (int i = bytes - 1; i >= 0; i--) result = (result << 8) | (value[i] & 0xff);
        return result;
    }

    private void writeValue(long address, int bytes, long value) {
        byte[] data = new byte[bytes];
        for (int i = 0; i < bytes; i++) data[i] = (byte) (value >>> (8 * i));
        write(address, data);
    }

    @Override
    public byte readByte(long a) {
        return (byte) readValue(a, 1);
    }

    @Override
    public short readShort(long a) {
        return (short) readValue(a, 2);
    }

    @Override
    public int readInt(long a) {
        return (int) readValue(a, 4);
    }

    @Override
    public long readLong(long a) {
        return readValue(a, 8);
    }

    @Override
    public void writeByte(long a, byte v) {
        writeValue(a, 1, v);
    }

    @Override
    public void writeShort(long a, short v) {
        writeValue(a, 2, v);
    }

    @Override
    public void writeInt(long a, int v) {
        writeValue(a, 4, v);
    }

    @Override
    public void writeLong(long a, long v) {
        writeValue(a, 8, v);
    }

    @Override
    public void enableDirtyTracking() {
        throw new UnsupportedOperationException();
    }

    @Override
    public void disableDirtyTracking() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isDirtyTrackingEnabled() {
        return false;
    }

    @Override
    public BitSet getAndClearDirtyPages() {
        throw new UnsupportedOperationException();
    }
}
