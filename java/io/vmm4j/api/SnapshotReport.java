package io.vmm4j.api;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What taking one snapshot cost.
 *
 * @param directory where the state file and memory file were written
 * @param diff whether the memory file holds only the pages written since the previous snapshot
 * @param pauseTime how long the guest was stopped for it (the whole snapshot, when the VM was running)
 * @param memoryFileSize the memory file's length (guest RAM size; the file is sparse)
 * @param memoryBytesWritten page data written to the memory file: its real size on disk
 * @param stateFileSize the state file's length
 */
public record SnapshotReport(
        Path directory,
        boolean diff,
        Duration pauseTime,
        long memoryFileSize,
        long memoryBytesWritten,
        long stateFileSize) {}
