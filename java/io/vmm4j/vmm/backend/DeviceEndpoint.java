package io.vmm4j.vmm.backend;

/** Something a vCPU or the I/O path calls by device key: a Java device, or a serial port's output. */
public interface DeviceEndpoint {
    String name();

    long read(long offset, int size);

    void write(long offset, int size, long value);
}
