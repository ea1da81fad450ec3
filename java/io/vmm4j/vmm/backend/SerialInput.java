package io.vmm4j.vmm.backend;

/** The receive side of a backend serial port: bytes for the guest to read. */
@FunctionalInterface
public interface SerialInput {
    void send(byte[] bytes);
}
