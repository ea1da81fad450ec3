package io.vmm4j.arch.x86.boot;

/** How a vCPU enters a loaded kernel. */
public enum BootProtocol {
    /** The Linux 64-bit boot protocol: long mode, identity page tables, RSI = boot_params. */
    LINUX_64,
    /** Xen's PVH entry: 32-bit protected mode, paging off, EBX = hvm_start_info. */
    PVH
}
