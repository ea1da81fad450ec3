package io.vmm4j.builder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes an initramfs: a cpio archive in the "newc" format the kernel unpacks (see the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst), uncompressed.
 */
public final class Initramfs {
    private static final int MODE_DIRECTORY = 0040000;
    private static final int MODE_FILE = 0100000;
    private static final int MODE_SYMLINK = 0120000;
    private static final String TRAILER = "TRAILER!!!";

    private final ByteArrayOutputStream archive = new ByteArrayOutputStream();
    private int nextInode = 1;

    public Initramfs directory(String path) {
        return entry(path, MODE_DIRECTORY | 0755, new byte[0]);
    }

    public Initramfs file(String path, int permissions, byte[] contents) {
        return entry(path, MODE_FILE | permissions, contents);
    }

    /** A symbolic link at {@code path} pointing to {@code target}. */
    public Initramfs symlink(String path, String target) {
        return entry(path, MODE_SYMLINK | 0777, target.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toBytes() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.writeBytes(archive.toByteArray());
        writeEntry(copy, TRAILER, 0, new byte[0], 0);
        return copy.toByteArray();
    }

    /**
     * Writes the archive to {@code file} atomically (a temporary file of its own, then a rename), so neither a
     * reader nor a second writer ever sees half of it.
     */
    public Path writeTo(Path file) throws IOException {
        Path partial = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".partial");
        try {
            Files.write(partial, toBytes());
            return Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private Initramfs entry(String path, int mode, byte[] contents) {
        writeEntry(archive, path, mode, contents, nextInode++);
        return this;
    }

    private static void writeEntry(ByteArrayOutputStream out, String path, int mode, byte[] contents, int inode) {
        byte[] name = (path + "\0").getBytes(StandardCharsets.US_ASCII);
        // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
        String header = String.format(
                "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                inode, mode, 0, 0, 1, 0, contents.length, 0, 0, 0, 0, name.length, 0);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(name);
        pad(out);
        out.writeBytes(contents);
        pad(out);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) out.write(0);
    }
}
