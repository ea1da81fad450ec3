package io.vmm4j.kvm;

import io.vmm4j.devices.virtio.VirtioBackend;
import io.vmm4j.jni.NativeContract;
import io.vmm4j.jni.NativeCore;
import java.nio.charset.StandardCharsets;

/** A native virtio device (cpp/virtio), reached through the VM's handle. */
final class KvmVirtioBackend implements VirtioBackend {
    private final NativeHandle vm;
    private final long device;

    KvmVirtioBackend(NativeHandle vm, long device) {
        this.vm = vm;
        this.device = device;
    }

    long device() {
        return device;
    }

    @Override
    public void activate(QueueSetup[] queues, long negotiatedFeatures) {
        long[] slots = new long[queues.length * NativeContract.VIRTIO_QUEUE_SLOTS];
        for (int i = 0; i < queues.length; i++) {
            int base = i * NativeContract.VIRTIO_QUEUE_SLOTS;
            slots[base] = queues[i].size();
            slots[base + 1] = queues[i].descriptorTable();
            slots[base + 2] = queues[i].driverArea();
            slots[base + 3] = queues[i].deviceArea();
        }
        vm.call(h -> NativeCore.vmm4j_virtio_activate(device, slots, queues.length, negotiatedFeatures));
    }

    @Override
    public void reset() {
        vm.call(h -> NativeCore.vmm4j_virtio_reset(device));
    }

    @Override
    public int interruptStatus() {
        return (int) vm.call(h -> NativeCore.vmm4j_virtio_interrupt_status(device));
    }

    @Override
    public void acknowledgeInterrupt(int bits) {
        vm.call(h -> NativeCore.vmm4j_virtio_interrupt_ack(device, bits));
    }

    @Override
    public boolean needsReset() {
        return vm.call(h -> NativeCore.vmm4j_virtio_needs_reset(device)) != 0;
    }

    @Override
    public String failure() {
        byte[] buffer = new byte[512];
        int length = (int) vm.call(h -> NativeCore.vmm4j_virtio_failure(device, buffer, buffer.length));
        return new String(buffer, 0, Math.min(length, buffer.length), StandardCharsets.UTF_8);
    }

    @Override
    public void notifyQueue(int queue) {
        vm.call(h -> NativeCore.vmm4j_virtio_notify(device, queue));
    }

    /** Waits for the interrupt eventfd; meaningful only without the in-kernel irqchip. */
    boolean awaitInterrupt(long timeoutMillis) {
        return vm.call(h -> NativeCore.vmm4j_virtio_wait_interrupt(device, timeoutMillis)) != 0;
    }
}
