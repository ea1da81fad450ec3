package io.vmm4j.api.x86;

/** A GDTR or IDTR value. */
public record DescriptorTable(long base, int limit) {}
