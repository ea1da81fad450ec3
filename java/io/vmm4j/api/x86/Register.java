package io.vmm4j.api.x86;

/** The general-purpose x86-64 registers, in the order {@link Registers} holds them. */
public enum Register {
    RAX,
    RBX,
    RCX,
    RDX,
    RSI,
    RDI,
    RSP,
    RBP,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    RIP,
    RFLAGS
}
