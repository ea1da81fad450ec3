package io.vmm4j.kvm;

/** Something the native core calls by device key: a Java device, or a serial port's output. */
interface DeviceEndpoint {
    String name();

    long read(long offset, int size);

    void write(long offset, int size, long value);
}
