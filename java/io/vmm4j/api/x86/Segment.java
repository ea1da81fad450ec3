package io.vmm4j.api.x86;

/** An x86 segment register: selector, hidden base, limit and attributes. */
public record Segment(
        long base,
        int limit,
        int selector,
        int type,
        boolean present,
        int dpl,
        boolean db,
        boolean system,
        boolean longMode,
        boolean granularity,
        boolean available,
        boolean unusable) {}
