package io.vmm4j.snapshot;

import java.util.Arrays;
import java.util.Objects;

/**
 * One device as the VM was built with it, enough to build it again on restore. Its state, when it
 * has any, is a separate {@code device.<name>} section.
 */
public sealed interface DeviceRecord {
    String name();

    /**
     * A Java {@code IoDevice} on a bus. {@code kind} names one of vmm4j's own devices, which a restore
     * builds again by itself; empty for the caller's own, which the restore caller supplies.
     */
    record JavaIo(String name, String kind, boolean mmio, long base, long length) implements DeviceRecord {}

    /** A native device that ignores writes and reads as zero. */
    record Null(String name, boolean mmio, long base, long length) implements DeviceRecord {}

    /** A native 16550A UART; irq -1 when it has no interrupt line. */
    record Serial(String name, int basePort, int irq) implements DeviceRecord {}

    /** A virtio device: its device id, and its configuration as its kind encodes it. */
    record Virtio(String name, int deviceId, byte[] config) implements DeviceRecord {
        @Override
        public boolean equals(Object other) {
            return other instanceof Virtio virtio
                    && name.equals(virtio.name)
                    && deviceId == virtio.deviceId
                    && Arrays.equals(config, virtio.config);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, deviceId, Arrays.hashCode(config));
        }

        @Override
        public String toString() {
            return "Virtio[" + name + ", id " + deviceId + ", " + config.length + " bytes of configuration]";
        }
    }

    /** A generation id at a guest address, notified on an interrupt line; a restore changes it. */
    record GenerationId(String name, long address, int gsi) implements DeviceRecord {}
}
