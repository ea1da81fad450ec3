package io.vmm4j.devices.virtio;

/** Feature bits shared by every device (virtio 1.2 §6) and the device-status bits (§2.1). */
public final class VirtioFeatures {
    public static final long RING_INDIRECT_DESC = 1L << 28;
    public static final long RING_EVENT_IDX = 1L << 29;
    public static final long VERSION_1 = 1L << 32;
    /** What every vmm4j device offers on top of its own features. */
    public static final long TRANSPORT = VERSION_1 | RING_INDIRECT_DESC | RING_EVENT_IDX;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 0x40;
    public static final int STATUS_FAILED = 0x80;

    public static final int INTERRUPT_USED_BUFFER = 1;
    public static final int INTERRUPT_CONFIG_CHANGE = 2;

    private VirtioFeatures() {}
}
