/* pio-loop (32-bit): VMM sets ECX = count (>= 1), EDX = port, EAX = value. One 1-byte OUT per iteration. */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
1:  outb    %al, (%dx)
    decl    %ecx
    jnz     1b
2:  hlt
    jmp     2b
