package io.vmm4j.api;

/** A GDTR or IDTR value. */
public record DescriptorTable(long base, int limit) {}
