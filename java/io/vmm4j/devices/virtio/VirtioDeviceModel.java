package io.vmm4j.devices.virtio;

/**
 * The device-specific, cold half of a virtio device: identity, features, queues and configuration
 * space. The transport asks it; the data path is native.
 */
public interface VirtioDeviceModel {
    /** virtio device id (virtio 1.2 §5). */
    int deviceId();

    /** Device-specific feature bits; the transport adds {@link VirtioFeatures#TRANSPORT}. */
    long deviceFeatures();

    int queueCount();

    /** The largest size the driver may give each queue (a power of 2). */
    int queueMaxSize();

    /** The configuration space, little-endian, as the driver reads it from offset 0x100. */
    byte[] configSpace();
}
