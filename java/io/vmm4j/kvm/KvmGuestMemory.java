package io.vmm4j.kvm;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.jni.Native;
import io.vmm4j.jni.NativeCore;
import java.util.BitSet;
import java.util.Objects;

/** Guest RAM of a KVM VM; the native core bounds-checks every access. */
final class KvmGuestMemory implements GuestMemory {
    private final NativeHandle vm;
    private final long size;
    private volatile boolean dirtyTracking;

    KvmGuestMemory(NativeHandle vm, long size) {
        this.vm = vm;
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long guestAddress, byte[] destination, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, destination.length);
        vm.call(handle -> NativeCore.vmm4j_memory_read(handle, guestAddress, destination, offset, length));
    }

    @Override
    public void write(long guestAddress, byte[] source, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, source.length);
        vm.call(handle -> NativeCore.vmm4j_memory_write(handle, guestAddress, source, offset, length));
    }

    private long readValue(long guestAddress, int size) {
        // The value comes back through `value`: the return value only says whether the read worked.
        long[] value = new long[1];
        vm.call(handle -> NativeCore.vmm4j_memory_read_value(handle, guestAddress, size, value));
        return value[0];
    }

    private void writeValue(long guestAddress, int size, long value) {
        vm.call(handle -> NativeCore.vmm4j_memory_write_value(handle, guestAddress, size, value));
    }

    @Override
    public byte readByte(long guestAddress) {
        return (byte) readValue(guestAddress, 1);
    }

    @Override
    public short readShort(long guestAddress) {
        return (short) readValue(guestAddress, 2);
    }

    @Override
    public int readInt(long guestAddress) {
        return (int) readValue(guestAddress, 4);
    }

    @Override
    public long readLong(long guestAddress) {
        return readValue(guestAddress, Long.BYTES);
    }

    @Override
    public void writeByte(long guestAddress, byte value) {
        writeValue(guestAddress, 1, value);
    }

    @Override
    public void writeShort(long guestAddress, short value) {
        writeValue(guestAddress, 2, value);
    }

    @Override
    public void writeInt(long guestAddress, int value) {
        writeValue(guestAddress, 4, value);
    }

    @Override
    public void writeLong(long guestAddress, long value) {
        writeValue(guestAddress, 8, value);
    }

    @Override
    public synchronized void enableDirtyTracking() {
        setDirtyLogging(true);
    }

    @Override
    public synchronized void disableDirtyTracking() {
        setDirtyLogging(false);
    }

    private void setDirtyLogging(boolean enabled) {
        vm.call(handle -> NativeCore.vmm4j_memory_set_dirty_logging(handle, enabled ? 1 : 0));
        dirtyTracking = enabled;
    }

    @Override
    public boolean isDirtyTrackingEnabled() {
        return dirtyTracking;
    }

    @Override
    public synchronized BitSet getAndClearDirtyPages() {
        if (!dirtyTracking) throw new IllegalStateException("dirty tracking is not enabled");
        long handle = vm.enter();
        try {
            BitSet dirty = new BitSet();
            int regions = (int) Native.check(NativeCore.vmm4j_memory_region_count(handle));
            for (int region = 0; region < regions; region++) {
                long base = Native.check(NativeCore.vmm4j_memory_region_address(handle, region));
                long bytes = Native.check(NativeCore.vmm4j_memory_region_size(handle, region));
                long pages = bytes / PAGE_SIZE;
                long[] bitmap = new long[(int) ((pages + 63) / 64)];
                Native.check(NativeCore.vmm4j_memory_get_dirty_log(handle, region, bitmap, bitmap.length));
                int firstPage = Math.toIntExact(base / PAGE_SIZE);
                BitSet regionBits = BitSet.valueOf(bitmap);
                for (int page = regionBits.nextSetBit(0); page >= 0; page = regionBits.nextSetBit(page + 1)) {
                    dirty.set(firstPage + page);
                }
            }
            return dirty;
        } finally {
            vm.exit();
        }
    }
}
