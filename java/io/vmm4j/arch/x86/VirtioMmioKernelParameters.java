package io.vmm4j.arch.x86;

import io.vmm4j.api.VirtioMmioSlot;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The kernel command-line form of virtio-mmio devices, for kernels without ACPI (or without the
 * LNRO0005 match): {@code virtio_mmio.device=<size>@<base>:<irq>}, one per device, as parsed by
 * Linux's drivers/virtio/virtio_mmio.c (the size goes through memparse, so K/M/G suffixes work; the
 * base is read with %lli, so hex needs its 0x).
 */
public final class VirtioMmioKernelParameters {
    private VirtioMmioKernelParameters() {}

    /** One {@code virtio_mmio.device=} parameter per slot, separated by single spaces; "" for none. */
    public static String of(List<VirtioMmioSlot> slots) {
        return slots.stream().map(VirtioMmioKernelParameters::of).collect(Collectors.joining(" "));
    }

    /** For example {@code virtio_mmio.device=4K@0xc0000000:5}. */
    public static String of(VirtioMmioSlot slot) {
        if (slot.size() <= 0 || slot.base() < 0 || slot.irq() < 0) {
            throw new IllegalArgumentException("not a usable virtio-mmio slot: " + slot);
        }
        return "virtio_mmio.device=" + size(slot.size()) + "@0x" + Long.toHexString(slot.base()) + ":" + slot.irq();
    }

    private static String size(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        if (bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "M";
        }
        if (bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "K";
        }
        return Long.toString(bytes);
    }
}
