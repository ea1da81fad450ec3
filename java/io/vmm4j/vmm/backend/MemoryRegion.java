package io.vmm4j.vmm.backend;

/** One range of guest RAM: a guest physical address and a size, both page-aligned. */
public record MemoryRegion(long guestAddress, long size) {}
