package io.vmm4j.api;

/**
 * A device written in Java, registered on a range with
 * {@link VirtualMachine#addIoDevice(String, AddressSpace, long, long, IoDevice)}.
 *
 * <p>Methods run on the vCPU thread that made the access; vmm4j holds the device's monitor while
 * calling it, so a device shared by several vCPUs sees one access at a time. An exception stops
 * the VM (not the JVM, and not other VMs) and becomes its {@link StopReason#cause()}.
 */
public interface IoDevice {
    /**
     * @param offset from the start of the device's range
     * @param size 1, 2, 4 or 8 bytes
     * @return the value read; only the low {@code size} bytes are used
     */
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
