/* spin (32-bit): writes 'SPIN' (0x5350494E) to GPA 0x6008, then "1: jmp 1b" forever. No stack. */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    movl    $0x5350494E, 0x6008
1:  jmp     1b
