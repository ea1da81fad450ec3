/* mmio-loop (32-bit): VMM sets ECX = count (>= 1), EDX = MMIO address, EAX = value. One 32-bit store per iteration. */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
1:  movl    %eax, (%edx)
    decl    %ecx
    jnz     1b
2:  hlt
    jmp     2b
