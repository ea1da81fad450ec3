package io.vmm4j.api;

/** An x86 segment register as KVM describes it ({@code kvm_segment}). */
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
