package io.vmm4j.devices.virtio;

import static io.vmm4j.devices.virtio.VirtioMmioTransport.*;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.kvm.VirtioTestHooks;
import java.time.Duration;

/**
 * A minimal virtio-mmio driver in Java for tests and benchmarks: it programs the transport's
 * registers as a guest would, keeps split rings in guest memory, and notifies through the queue's
 * ioeventfd. Queue {@code q} uses 16 KiB at {@code ringBase + q * 0x4000}.
 */
public final class VirtqDriver {
    public static final int DESC_NEXT = 1;
    public static final int DESC_WRITE = 2;
    public static final int DESC_INDIRECT = 4;

    public final VirtualMachine vm;
    public final String device;
    public final VirtioMmioTransport transport;
    public final GuestMemory memory;
    public final int queueSize;
    private final long ringBase;
    private final int[] nextAvail;
    private final int[] lastUsed;

    public VirtqDriver(VirtualMachine vm, String device, long ringBase, int queueSize, int queueCount) {
        this.vm = vm;
        this.device = device;
        this.transport = VirtioTestHooks.transport(vm, device);
        this.memory = vm.memory();
        this.queueSize = queueSize;
        this.ringBase = ringBase;
        this.nextAvail = new int[queueCount];
        this.lastUsed = new int[queueCount];
    }

    public long desc(int queue) {
        return ringBase + queue * 0x4000L;
    }

    public long avail(int queue) {
        return desc(queue) + 16L * queueSize;
    }

    public long used(int queue) {
        return (avail(queue) + 6 + 2L * queueSize + 4095) & ~4095L;
    }

    public int reg(int offset) {
        return (int) transport.read(offset, 4);
    }

    public void reg(int offset, int value) {
        transport.write(offset, 4, value & 0xffff_ffffL);
    }

    /** The whole initialisation sequence (§3.1.1) accepting {@code features}; returns the final status. */
    public int start(long features) {
        reg(STATUS, 0);
        for (int q = 0; q < nextAvail.length; q++) {
            memory.write(desc(q), new byte[0x4000]);
            nextAvail[q] = 0;
            lastUsed[q] = 0;
        }
        reg(STATUS, VirtioFeatures.STATUS_ACKNOWLEDGE);
        reg(STATUS, VirtioFeatures.STATUS_ACKNOWLEDGE | VirtioFeatures.STATUS_DRIVER);
        reg(DRIVER_FEATURES_SEL, 0);
        reg(DRIVER_FEATURES, (int) features);
        reg(DRIVER_FEATURES_SEL, 1);
        reg(DRIVER_FEATURES, (int) (features >>> 32));
        int s = VirtioFeatures.STATUS_ACKNOWLEDGE | VirtioFeatures.STATUS_DRIVER | VirtioFeatures.STATUS_FEATURES_OK;
        reg(STATUS, s);
        if ((reg(STATUS) & VirtioFeatures.STATUS_FEATURES_OK) == 0) return reg(STATUS);
        for (int q = 0; q < nextAvail.length; q++) {
            reg(QUEUE_SEL, q);
            reg(QUEUE_NUM, queueSize);
            reg(QUEUE_DESC_LOW, (int) desc(q));
            reg(QUEUE_DESC_HIGH, (int) (desc(q) >>> 32));
            reg(QUEUE_DRIVER_LOW, (int) avail(q));
            reg(QUEUE_DRIVER_HIGH, (int) (avail(q) >>> 32));
            reg(QUEUE_DEVICE_LOW, (int) used(q));
            reg(QUEUE_DEVICE_HIGH, (int) (used(q) >>> 32));
            reg(QUEUE_READY, 1);
        }
        reg(STATUS, s | VirtioFeatures.STATUS_DRIVER_OK);
        return reg(STATUS);
    }

    public void descriptor(int queue, int index, long address, int length, int flags, int next) {
        writeDescriptor(desc(queue) + 16L * index, address, length, flags, next);
    }

    public void writeDescriptor(long at, long address, int length, int flags, int next) {
        byte[] d = new byte[16];
        java.nio.ByteBuffer.wrap(d)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(address)
                .putInt(length)
                .putShort((short) flags)
                .putShort((short) next);
        memory.write(at, d);
    }

    /** Puts chain heads on the avail ring and publishes the new index (without notifying). */
    public void publish(int queue, int... heads) {
        for (int head : heads) {
            memory.writeShort(avail(queue) + 4 + 2L * (nextAvail[queue] % queueSize), (short) head);
            nextAvail[queue] = (nextAvail[queue] + 1) & 0xffff;
        }
        memory.writeShort(avail(queue) + 2, (short) nextAvail[queue]);
    }

    public void notify(int queue) {
        VirtioTestHooks.notify(vm, device, queue);
    }

    public void submit(int queue, int... heads) {
        publish(queue, heads);
        notify(queue);
    }

    public int usedIndex(int queue) {
        return memory.readShort(used(queue) + 2) & 0xffff;
    }

    /** Waits until {@code count} more used entries appeared; false on timeout. */
    public boolean awaitUsed(int queue, int count, Duration timeout) throws InterruptedException {
        int target = (lastUsed[queue] + count) & 0xffff;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (usedIndex(queue) != target) {
            if (System.nanoTime() > deadline) return false;
            Thread.onSpinWait();
        }
        lastUsed[queue] = target;
        return true;
    }

    /** The {@code n}-th used element of the queue: {id, length}. */
    public int[] usedElement(int queue, int n) {
        long at = used(queue) + 4 + 8L * (n % queueSize);
        return new int[] {memory.readInt(at), memory.readInt(at + 4)};
    }

    public boolean needsReset() {
        return (reg(STATUS) & VirtioFeatures.STATUS_DEVICE_NEEDS_RESET) != 0;
    }

    /** Waits for DEVICE_NEEDS_RESET; false on timeout. */
    public boolean awaitNeedsReset(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!needsReset()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(1);
        }
        return true;
    }
}
