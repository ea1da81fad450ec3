package io.vmm4j.devices.virtio.console;

import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.virtio.NativeDeviceSpec;
import io.vmm4j.devices.virtio.VirtioDeviceKind;
import io.vmm4j.devices.virtio.VirtioDeviceModel;
import java.io.OutputStream;
import java.util.Optional;

/** virtio-console: the native device sends the guest's output to the configured stream. */
public final class ConsoleKind implements VirtioDeviceKind<VirtioDeviceConfig.Console> {
    @Override
    public Class<VirtioDeviceConfig.Console> configType() {
        return VirtioDeviceConfig.Console.class;
    }

    @Override
    public int deviceId() {
        return ConsoleModel.DEVICE_ID;
    }

    @Override
    public NativeDeviceSpec nativeSpec(VirtioDeviceConfig.Console config) {
        return new NativeDeviceSpec("console", "", "", new long[0], Optional.of(config.output()));
    }

    @Override
    public VirtioDeviceModel model(VirtioDeviceConfig.Console config, int queueMaxSize, long[] nativeResults) {
        return new ConsoleModel(queueMaxSize);
    }

    @Override
    public byte[] saveConfig(VirtioDeviceConfig.Console config) {
        return new byte[0];
    }

    /** The output stream is the restore caller's ({@link RestoreOptions#outputs()}), or none. */
    @Override
    public VirtioDeviceConfig.Console restoreConfig(String name, byte[] saved, RestoreOptions options) {
        StateReader.of("virtio-console '" + name + "' configuration", 1, 1, saved)
                .finish();
        return new VirtioDeviceConfig.Console(
                name, options.outputs().getOrDefault(name, OutputStream.nullOutputStream()));
    }
}
