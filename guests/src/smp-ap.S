/*
 * Application-processor start-up. Each AP leaves INIT/SIPI in real mode at
 * CS = vector << 8, IP = 0, so this section is 4 KiB aligned and below 1 MiB; the
 * BSP sends its page number as the SIPI vector. The AP loads its own GDT, enters
 * flat 32-bit protected mode, takes a stack from its APIC id and calls ap_main(id).
 */
    .section .text.ap_trampoline, "ax"
    .balign 4096
    .code16
    .globl ap_trampoline
ap_trampoline:
    cli
    lgdtl   %cs:(ap_gdt_desc - ap_trampoline)
    movl    %cr0, %eax
    orl     $1, %eax
    movl    %eax, %cr0
    ljmpl   $0x08, $ap_protected

    .code32
ap_protected:
    movw    $0x10, %ax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    movw    %ax, %ss
    movl    0xFEE00020, %eax        /* local APIC ID register: id in bits 31:24 */
    shrl    $24, %eax
    movl    %eax, %ecx
    shll    $12, %ecx               /* 4 KiB of stack per AP, below the BSP's */
    movl    $0x70000, %esp
    subl    %ecx, %esp
    pushl   %eax
    call    ap_main
1:  cli
    hlt
    jmp     1b

    .balign 8
ap_gdt:
    .quad   0
    .quad   0x00CF9A000000FFFF      /* 0x08: 32-bit code, base 0, limit 4G */
    .quad   0x00CF92000000FFFF      /* 0x10: data, base 0, limit 4G */
ap_gdt_end:
ap_gdt_desc:
    .word   ap_gdt_end - ap_gdt - 1
    .long   ap_gdt
    /* Kernels that copy the trampoline elsewhere (page 0) copy up to here. */
    .globl ap_trampoline_end
ap_trampoline_end:
