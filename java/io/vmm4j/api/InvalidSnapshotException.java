package io.vmm4j.api;

import java.nio.file.Path;

/**
 * A snapshot file that cannot be restored: truncated, corrupted, of another format version, or not
 * matching the rest of the snapshot. The message names the file and the byte offset of the problem.
 */
public class InvalidSnapshotException extends VmmException {
    private final Path file;
    private final long offset;

    public InvalidSnapshotException(Path file, long offset, String problem) {
        super("restore", 0, file + " at offset " + offset + ": " + problem);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
