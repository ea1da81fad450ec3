package io.vmm4j.api;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a restore cannot take from the snapshot. Everything else (the configuration, vmm4j's own
 * devices, every device's state) comes from the files, so a VM built only from vmm4j's devices needs
 * none of this.
 *
 * <ul>
 *   <li>The caller's own Java {@link IoDevice}s: each one the snapshot names must be given under the
 *       same name; its state is restored into it when it is a {@link StatefulDevice}. A device given
 *       under the name of one of vmm4j's own replaces it.
 *   <li>Where output goes: a serial port's or virtio console's output goes where {@link
 *       Builder#output} says, or nowhere.
 *   <li>Another backing file for a virtio-blk disk ({@link Builder#disk}), for example a clone's own
 *       copy of a writable disk: clones that share one writable file corrupt it.
 * </ul>
 */
public final class RestoreOptions {
    private static final RestoreOptions NONE = builder().build();

    private final Map<String, IoDevice> ioDevices;
    private final Map<String, OutputStream> outputs;
    private final Map<String, Path> disks;
    private final boolean advanceClock;

    private RestoreOptions(Builder builder) {
        this.ioDevices = Map.copyOf(builder.ioDevices);
        this.outputs = Map.copyOf(builder.outputs);
        this.disks = Map.copyOf(builder.disks);
        this.advanceClock = builder.advanceClock;
    }

    public static RestoreOptions none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Map<String, IoDevice> ioDevices() {
        return ioDevices;
    }

    /** Outputs of serial ports and virtio consoles, by device name. */
    public Map<String, OutputStream> outputs() {
        return outputs;
    }

    /** Replacement backing files of virtio-blk disks, by device name. */
    public Map<String, Path> disks() {
        return disks;
    }

    /** Whether the guest's clock moves on by the time the snapshot spent on disk (default true). */
    public boolean advanceClock() {
        return advanceClock;
    }

    public static final class Builder {
        private final Map<String, IoDevice> ioDevices = new LinkedHashMap<>();
        private final Map<String, OutputStream> outputs = new LinkedHashMap<>();
        private final Map<String, Path> disks = new LinkedHashMap<>();
        private boolean advanceClock = true;

        private Builder() {}

        /** The Java device the snapshot's device {@code name} is restored into. */
        public Builder ioDevice(String name, IoDevice device) {
            ioDevices.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(device, "device"));
            return this;
        }

        /** Where the serial port or virtio console {@code name} sends the guest's output in the restored VM. */
        public Builder output(String name, OutputStream output) {
            outputs.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(output, "output"));
            return this;
        }

        /**
         * The file that backs virtio-blk disk {@code name} in the restored VM instead of the one it was
         * snapshotted with. It must have the same size: the guest knows the disk's capacity.
         */
        public Builder disk(String name, Path path) {
            disks.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(path, "path"));
            return this;
        }

        /**
         * True (the default): kvmclock moves on by the host time since the snapshot, so the guest's
         * wall clock is the host's. False: it goes on from the snapshot's time (never backwards).
         */
        public Builder advanceClock(boolean advance) {
            this.advanceClock = advance;
            return this;
        }

        public RestoreOptions build() {
            return new RestoreOptions(this);
        }
    }
}
