package io.vmm4j.vmm.backend;

import java.nio.file.Path;

/**
 * One range of guest RAM: a guest physical address and a size, both page-aligned. With a {@code file},
 * its contents come from that file at {@code fileOffset}, mapped copy-on-write (a snapshot's memory
 * file); without one (null) it is anonymous and starts zeroed.
 */
public record MemoryRegion(long guestAddress, long size, Path file, long fileOffset) {
    public MemoryRegion(long guestAddress, long size) {
        this(guestAddress, size, null, 0);
    }
}
