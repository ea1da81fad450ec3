/* mmio-read-loop (32-bit): VMM sets ECX = count (>= 1), EDX = MMIO address. One 32-bit load per iteration (into EAX). */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
1:  movl    (%edx), %eax
    decl    %ecx
    jnz     1b
2:  hlt
    jmp     2b
