/* pio-in-loop (32-bit): VMM sets ECX = count (>= 1), EDX = port. One 1-byte IN per iteration (into AL). */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
1:  inb     (%dx), %al
    decl    %ecx
    jnz     1b
2:  hlt
    jmp     2b
