package io.vmm4j.api;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Objects;

/** A virtio device to attach with {@link VirtualMachine#addVirtioDevice(VirtioDeviceConfig)}. */
public sealed interface VirtioDeviceConfig {
    /** A name unique within the VM, used in errors and snapshots. */
    String name();

    /** The virtio device id (virtio 1.2 §5). */
    int deviceId();

    /**
     * virtio-blk backed by a host file (or block device). Its capacity is the file's size in whole
     * 512-byte sectors, taken when the device is attached; requests beyond it fail with IOERR and
     * the file is never written outside its size.
     *
     * @param readOnly offer VIRTIO_BLK_F_RO, open the file read-only, and fail writes with IOERR
     * @param serial what VIRTIO_BLK_T_GET_ID returns: up to 20 bytes (longer is cut), for
     *     {@code /dev/disk/by-id} in a Linux guest
     */
    record Block(String name, Path path, boolean readOnly, String serial) implements VirtioDeviceConfig {
        public Block {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(serial, "serial");
        }

        /** A disk whose serial is its name. */
        public Block(String name, Path path, boolean readOnly) {
            this(name, path, readOnly, name);
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

    /**
     * virtio-console with one port. What the guest writes to it goes to {@code output}, from the
     * VM's native I/O thread (a slow stream delays the VM's other virtio devices); bytes for the
     * guest go through {@link VirtualMachine#virtioConsole(String)}.
     */
    record Console(String name, OutputStream output) implements VirtioDeviceConfig {
        public Console {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(output, "output");
        }

        /** A console whose output is discarded. */
        public Console(String name) {
            this(name, OutputStream.nullOutputStream());
        }

        @Override
        public int deviceId() {
            return 3;
        }
    }
}
