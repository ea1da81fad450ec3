package io.vmm4j.devices.virtio.rng;

import io.vmm4j.devices.virtio.VirtioDeviceModel;

/** virtio-rng (virtio 1.2 §5.4): one request queue, no features, no configuration. */
public record RngModel(int queueMaxSize) implements VirtioDeviceModel {
    public static final int DEVICE_ID = 4;

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public byte[] configSpace() {
        return new byte[0];
    }
}
