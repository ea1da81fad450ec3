package io.vmm4j.snapshot;

/**
 * One device as the VM was built with it, enough to build it again on restore. Its state, when it
 * has any, is a separate {@code device.<name>} section.
 */
public sealed interface DeviceRecord {
    String name();

    /** A Java {@code IoDevice} on a bus; the restore caller supplies the object. */
    record JavaIo(String name, boolean mmio, long base, long length) implements DeviceRecord {}

    /** A native device that ignores writes and reads as zero. */
    record Null(String name, boolean mmio, long base, long length) implements DeviceRecord {}

    /** A native 16550A UART; irq -1 when it has no interrupt line. */
    record Serial(String name, int basePort, int irq) implements DeviceRecord {}
}
