package io.vmm4j.devices.virtio;

/** The native side of a device: it serves the queues once the driver is done setting them up. */
public interface VirtioBackend {
    /**
     * Starts serving the queues (DRIVER_OK).
     *
     * @param queues one per queue; a queue with size 0 is unused
     * @throws RuntimeException when a ring is misaligned or outside guest memory
     */
    void activate(QueueSetup[] queues, long negotiatedFeatures);

    /** Releases every queue; returns after a request in progress has completed. */
    void reset();

    int interruptStatus();

    void acknowledgeInterrupt(int bits);

    /** Whether the device found a malformed request and stopped (DEVICE_NEEDS_RESET). */
    boolean needsReset();

    /** Why, when {@link #needsReset()}; empty otherwise. */
    String failure();

    /** A QueueNotify that did not go through the ioeventfd (for example not a 32-bit write). */
    void notifyQueue(int queue);

    /**
     * The native device's state (rings, positions, ISR, failure, the device's own fields), opaque
     * to Java and versioned inside.
     */
    byte[] saveState();

    /**
     * Replaces the native device's state with one {@link #saveState()} returned; queues resume where
     * they were.
     *
     * @throws IllegalArgumentException naming the offset, when the bytes are malformed or a ring lies
     *     outside guest memory; nothing changes then
     */
    void restoreState(byte[] state);

    /** One queue as the driver configured it. */
    record QueueSetup(int size, long descriptorTable, long driverArea, long deviceArea) {
        public static final QueueSetup UNUSED = new QueueSetup(0, 0, 0, 0);
    }
}
