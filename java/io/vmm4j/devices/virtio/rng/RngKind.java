package io.vmm4j.devices.virtio.rng;

import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.virtio.NativeDeviceSpec;
import io.vmm4j.devices.virtio.VirtioDeviceKind;
import io.vmm4j.devices.virtio.VirtioDeviceModel;

/** virtio-rng: the native device fills buffers with getrandom. */
public final class RngKind implements VirtioDeviceKind<VirtioDeviceConfig.Rng> {
    @Override
    public Class<VirtioDeviceConfig.Rng> configType() {
        return VirtioDeviceConfig.Rng.class;
    }

    @Override
    public int deviceId() {
        return RngModel.DEVICE_ID;
    }

    @Override
    public NativeDeviceSpec nativeSpec(VirtioDeviceConfig.Rng config) {
        return NativeDeviceSpec.of("rng");
    }

    @Override
    public VirtioDeviceModel model(VirtioDeviceConfig.Rng config, int queueMaxSize, long[] nativeResults) {
        return new RngModel(queueMaxSize);
    }

    @Override
    public byte[] saveConfig(VirtioDeviceConfig.Rng config) {
        return new byte[0];
    }

    @Override
    public VirtioDeviceConfig.Rng restoreConfig(String name, byte[] saved, RestoreOptions options) {
        StateReader.of("virtio-rng '" + name + "' configuration", 1, 1, saved).finish();
        return new VirtioDeviceConfig.Rng(name);
    }
}
