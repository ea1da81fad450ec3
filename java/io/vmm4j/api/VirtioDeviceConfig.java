package io.vmm4j.api;

import java.nio.file.Path;
import java.util.Objects;

/** A virtio device to attach with {@link VirtualMachine#addVirtioDevice(VirtioDeviceConfig)}. */
public sealed interface VirtioDeviceConfig {
    /** A name unique within the VM, used in errors and snapshots. */
    String name();

    /** The virtio device id (virtio 1.2 §5). */
    int deviceId();

    /** virtio-blk backed by a host file. */
    record Block(String name, Path path, boolean readOnly) implements VirtioDeviceConfig {
        public Block {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
        }

        @Override
        public int deviceId() {
            return 2;
        }
    }

    /** virtio-rng backed by the host's getrandom. */
    record Rng(String name) implements VirtioDeviceConfig {
        public Rng {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public int deviceId() {
            return 4;
        }
    }

    /** virtio-console with one port. */
    record Console(String name) implements VirtioDeviceConfig {
        public Console {
            Objects.requireNonNull(name, "name");
        }

        @Override
        public int deviceId() {
            return 3;
        }
    }
}
