package io.vmm4j.devices.virtio.block;

import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.common.FileErrors;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.state.StateWriter;
import io.vmm4j.devices.virtio.NativeDeviceSpec;
import io.vmm4j.devices.virtio.VirtioDeviceKind;
import io.vmm4j.devices.virtio.VirtioDeviceModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    // A path, a 20-byte serial: generous bounds on what a snapshot may claim.
    private static final int MAX_PATH = 4096;
    private static final int MAX_SERIAL = 256;

    /** The path, read-only flag and serial, and the file's size, which the guest knows as the capacity. */
    @Override
    public byte[] saveConfig(VirtioDeviceConfig.Block config) {
        return new StateWriter()
                .text(config.path().toAbsolutePath().toString())
                .bool(config.readOnly())
                .text(config.serial())
                .i64(fileSize(config.name(), config.path()))
                .toByteArray();
    }

    /**
     * The same file, or the one {@link RestoreOptions#disks()} names instead; either must still have the
     * size the guest knows.
     */
    @Override
    public VirtioDeviceConfig.Block restoreConfig(String name, byte[] saved, RestoreOptions options) {
        StateReader in = StateReader.of("virtio-blk '" + name + "' configuration", 1, 1, saved);
        String snapshotted = in.text("path", MAX_PATH);
        boolean readOnly = in.bool("readOnly");
        String serial = in.text("serial", MAX_SERIAL);
        int sizeOffset = in.offset();
        long size = in.i64("size");
        in.finish();
        if (snapshotted == null || serial == null) throw in.refuse(sizeOffset, "the path or serial is missing");
        Path path = options.disks().getOrDefault(name, Path.of(snapshotted));
        VirtioDeviceConfig.Block config = new VirtioDeviceConfig.Block(name, path, readOnly, serial);
        config.checkBackingFile();
        long now = fileSize(name, path);
        if (now != size) {
            throw new IllegalArgumentException("disk '" + name + "': " + path + " is "
                    + (now < 0 ? "a block device" : now + " bytes") + ", but the snapshotted guest knows the disk as "
                    + (size < 0 ? "a block device" : size + " bytes"));
        }
        return config;
    }

    /** A regular file's size; -1 for a block device, whose size is not checked. */
    private static long fileSize(String name, Path path) {
        try {
            return Files.isRegularFile(path) ? Files.size(path) : -1;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "disk '" + name + "': " + path + " cannot be examined: " + FileErrors.strerror(e), e);
        }
    }
}
