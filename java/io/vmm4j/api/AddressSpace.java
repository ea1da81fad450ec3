package io.vmm4j.api;

/** The two x86 address spaces a device can sit in. */
public enum AddressSpace {
    /** Port I/O: {@code in} and {@code out}, 16-bit addresses. */
    PIO,
    /** Memory-mapped I/O: guest physical addresses not backed by RAM. */
    MMIO
}
