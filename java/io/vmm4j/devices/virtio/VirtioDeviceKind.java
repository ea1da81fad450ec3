package io.vmm4j.devices.virtio;

import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.VirtioDeviceConfig;

/**
 * Everything vmm4j knows about one kind of virtio device, in one place: its configuration type, its
 * device id, how its native half is built, and its model (features, queues, configuration space). A
 * new kind is a folder here with its descriptor and model, a folder under {@code cpp/virtio} with its
 * native device, and one line in each language's list: {@code io.vmm4j.devices.virtio.kinds.VirtioDeviceKinds} and
 * {@code cpp/virtio/kinds/device_kinds.cpp}.
 *
 * @param <C> the configuration a user attaches the device with
 */
public interface VirtioDeviceKind<C extends VirtioDeviceConfig> {
    Class<C> configType();

    /** virtio device id (virtio 1.2 §5). */
    int deviceId();

    /** What the native device is built from. */
    NativeDeviceSpec nativeSpec(C config);

    /**
     * The model of a device built from {@code config}.
     *
     * @param queueMaxSize the largest queue the transport offers
     * @param nativeResults what the native device reported when it was built (for virtio-blk, its capacity)
     */
    VirtioDeviceModel model(C config, int queueMaxSize, long[] nativeResults);

    /** The configuration as a snapshot records it (the device's persist half), read back by {@link #restoreConfig}. */
    byte[] saveConfig(C config);

    /**
     * The configuration to build a snapshotted device again with.
     *
     * @param saved what {@link #saveConfig} wrote, untrusted
     * @param options what the snapshot cannot hold: where output goes, a replacement disk
     * @throws IllegalArgumentException naming the device and the problem, when {@code saved} is malformed or
     *     the device cannot be built as it was
     */
    C restoreConfig(String name, byte[] saved, RestoreOptions options);
}
