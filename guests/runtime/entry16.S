/*
 * Real-mode entry: CS = 0x1000 (base 0x10000), IP = 0, so this is the first byte
 * of the image. Loads its own GDT, sets CR0.PE, far-jumps into 32-bit code, loads
 * flat data segments and continues at _start (entry32.S).
 */
    .section .text.entry16, "ax"
    .code16
    .globl _start16
_start16:
    cli
    /* CS base is the image base, so CS-relative offsets are image offsets. */
    lgdtl   %cs:(gdt16_desc - _start16)
    movl    %cr0, %eax
    orl     $1, %eax
    movl    %eax, %cr0
    ljmpl   $0x08, $pm32

    .code32
pm32:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    movw    %ax, %ss
    jmp     _start

    /* GDT kept in this section so that its image offset is an assemble-time constant. */
    .balign 8
gdt16:
    .quad   0                       /* null */
    .quad   0x00CF9A000000FFFF      /* 0x08: 32-bit code, base 0, limit 4G */
    .quad   0x00CF92000000FFFF      /* 0x10: data, base 0, limit 4G */
gdt16_end:
gdt16_desc:
    .word   gdt16_end - gdt16 - 1
    .long   gdt16                   /* linear address (image linked at its load address) */
