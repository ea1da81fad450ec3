package io.vmm4j.api;

/** A native 16550A UART added with {@link VirtualMachine#addSerialPort}. */
public interface SerialPort {
    /** The first of its 8 ports. */
    int basePort();

    /** Its interrupt line, or -1 when the guest must poll it. */
    int irq();

    /** Queues bytes for the guest to read from the receive buffer. */
    void sendInput(byte[] bytes);
}
