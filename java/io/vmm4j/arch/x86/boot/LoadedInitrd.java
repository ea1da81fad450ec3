package io.vmm4j.arch.x86.boot;

/** An initrd in guest memory. */
public record LoadedInitrd(long address, long size) {}
