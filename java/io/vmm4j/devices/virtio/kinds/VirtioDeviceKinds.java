package io.vmm4j.devices.virtio.kinds;

import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.devices.virtio.NativeDeviceSpec;
import io.vmm4j.devices.virtio.VirtioDeviceKind;
import io.vmm4j.devices.virtio.VirtioDeviceModel;
import io.vmm4j.devices.virtio.block.BlockKind;
import io.vmm4j.devices.virtio.console.ConsoleKind;
import io.vmm4j.devices.virtio.rng.RngKind;
import java.util.List;

/** The virtio device kinds vmm4j builds: one line each. */
public final class VirtioDeviceKinds {
    private static final List<VirtioDeviceKind<?>> ALL = List.of(new BlockKind(), new RngKind(), new ConsoleKind());

    private VirtioDeviceKinds() {}

    public static List<VirtioDeviceKind<?>> all() {
        return ALL;
    }

    /**
     * A device built from {@code config}: its kind, bound to that configuration.
     *
     * @throws IllegalArgumentException when no kind takes that configuration
     */
    public static Bound<?> forConfig(VirtioDeviceConfig config) {
        for (VirtioDeviceKind<?> kind : ALL) {
            if (kind.configType().isInstance(config)) return bind(kind, config);
        }
        throw new IllegalArgumentException(
                "no virtio device kind takes " + config.getClass().getName());
    }

    /**
     * The configuration of a snapshotted device of virtio device id {@code deviceId}.
     *
     * @throws IllegalArgumentException when no kind has that id, or its kind refuses {@code saved}
     */
    public static VirtioDeviceConfig restoreConfig(String name, int deviceId, byte[] saved, RestoreOptions options) {
        for (VirtioDeviceKind<?> kind : ALL) {
            if (kind.deviceId() == deviceId) return kind.restoreConfig(name, saved, options);
        }
        throw new IllegalArgumentException(
                "virtio device '" + name + "' has device id " + deviceId + ", which no kind builds");
    }

    private static <C extends VirtioDeviceConfig> Bound<C> bind(VirtioDeviceKind<C> kind, VirtioDeviceConfig config) {
        return new Bound<>(kind, kind.configType().cast(config));
    }

    /** A kind and the configuration of one device of it. */
    public record Bound<C extends VirtioDeviceConfig>(VirtioDeviceKind<C> kind, C config) {
        public NativeDeviceSpec nativeSpec() {
            return kind.nativeSpec(config);
        }

        /** The configuration as a snapshot records it. */
        public byte[] saveConfig() {
            return kind.saveConfig(config);
        }

        public VirtioDeviceModel model(int queueMaxSize, long[] nativeResults) {
            return kind.model(config, queueMaxSize, nativeResults);
        }
    }
}
