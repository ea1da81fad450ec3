/*
 * mmio-fetch: jumps to 0xD0000000, where there is no RAM. Fetching an instruction from
 * MMIO is something KVM cannot emulate on any host, so the VMM sees an internal error
 * (emulation failure). Used to test how vmm4j reports one.
 */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    movl    $0xD0000000, %eax
    jmp     *%eax
