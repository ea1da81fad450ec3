package io.vmm4j.api;

import io.vmm4j.common.FileErrors;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Set;

/**
 * A virtio device to attach with {@link VirtualMachine#addVirtioDevice(VirtioDeviceConfig)}. The kinds vmm4j builds are
 * nested here; each has a descriptor in {@code io.vmm4j.devices.virtio}, and a configuration of no known kind is
 * refused when it is attached.
 */
public interface VirtioDeviceConfig {
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

        /** The size of the sectors the guest addresses. */
        public static final int SECTOR_SIZE = 512;

        private static final int S_IFMT = 0170000;
        private static final int S_IFBLK = 0060000;

        /**
         * Checks, without a VM, that {@link #path} can back this disk: it is a regular file or a block
         * device, it opens for reading (and for writing unless read-only), and a regular file holds a
         * positive whole number of sectors. Attaching rounds a file's size down to whole sectors and
         * accepts an empty one; a builder calls this first because a disk the guest cannot see, or
         * whose tail it cannot reach, is almost always a mistake.
         *
         * @throws IllegalArgumentException naming the file and the problem, in one line
         */
        public void checkBackingFile() {
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(path, BasicFileAttributes.class);
            } catch (IOException e) {
                throw problem(
                        e instanceof NoSuchFileException
                                ? "does not exist"
                                : "cannot be examined: " + FileErrors.strerror(e),
                        e);
            }
            if (attributes.isDirectory()) throw problem("is a directory", null);
            if (!attributes.isRegularFile() && !isBlockDevice())
                throw problem("is neither a file nor a block device", null);
            Set<OpenOption> access = readOnly
                    ? Set.of(StandardOpenOption.READ)
                    : Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
            try (FileChannel file = FileChannel.open(path, access)) { // never CREATE: a missing file stays missing
                if (!attributes.isRegularFile()) return;
                long size = file.size();
                if (size == 0) throw problem("is empty", null);
                if (size % SECTOR_SIZE != 0) {
                    throw problem(
                            "has " + size + " bytes, not a whole number of " + SECTOR_SIZE
                                    + "-byte sectors (the guest could not reach the last " + size % SECTOR_SIZE + ")",
                            null);
                }
            } catch (IOException e) {
                throw problem(
                        (readOnly ? "cannot be read: " : "cannot be opened for reading and writing: ")
                                + FileErrors.strerror(e)
                                + (readOnly ? "" : " (add ,ro for a read-only disk)"),
                        e);
            }
        }

        private boolean isBlockDevice() {
            try {
                return ((Integer) Files.getAttribute(path, "unix:mode") & S_IFMT) == S_IFBLK;
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }

        private IllegalArgumentException problem(String what, Throwable cause) {
            return new IllegalArgumentException("disk '" + name + "': " + path + " " + what, cause);
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
