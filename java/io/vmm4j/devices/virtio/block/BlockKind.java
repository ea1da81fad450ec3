package io.vmm4j.devices.virtio.block;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.devices.virtio.NativeDeviceSpec;
import io.vmm4j.devices.virtio.VirtioDeviceKind;
import io.vmm4j.devices.virtio.VirtioDeviceModel;
import java.util.Optional;

/** virtio-blk over a host file: the native device opens it and reports its capacity in sectors. */
public final class BlockKind implements VirtioDeviceKind<VirtioDeviceConfig.Block> {
    @Override
    public Class<VirtioDeviceConfig.Block> configType() {
        return VirtioDeviceConfig.Block.class;
    }

    @Override
    public int deviceId() {
        return BlockModel.DEVICE_ID;
    }

    @Override
    public NativeDeviceSpec nativeSpec(VirtioDeviceConfig.Block config) {
        return new NativeDeviceSpec(
                "block",
                config.path().toAbsolutePath().toString(),
                config.serial(),
                new long[] {config.readOnly() ? 1 : 0},
                Optional.empty());
    }

    @Override
    public VirtioDeviceModel model(VirtioDeviceConfig.Block config, int queueMaxSize, long[] nativeResults) {
        if (nativeResults.length != 1 || nativeResults[0] < 0) {
            throw new IllegalStateException(
                    "virtio-blk '" + config.name() + "': the native device reported no capacity");
        }
        return new BlockModel(nativeResults[0], config.readOnly(), queueMaxSize);
    }
}
