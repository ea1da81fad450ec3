package io.vmm4j.api;

/**
 * Where a virtio-mmio device sits: its register window and its interrupt line.
 *
 * @param config the device attached there
 * @param base guest physical address of the register window
 * @param size bytes of the window
 * @param irq the GSI the device raises
 */
public record VirtioMmioSlot(VirtioDeviceConfig config, long base, long size, int irq) {}
