/*
 * Multiboot v1 header and entry. The loader enters in 32-bit flat protected mode with paging off,
 * EAX = 0x2BADB002 and EBX = the Multiboot information; this sets a stack below the APs' and calls
 * mb_main(magic, info), then halts forever.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00000003     /* page-aligned modules, memory information */

    .section .multiboot, "a"
    .balign 4
    .long   MB_MAGIC
    .long   MB_FLAGS
    .long   -(MB_MAGIC + MB_FLAGS)

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    movl    $0x80000, %esp
    pushl   %ebx
    pushl   %eax
    call    mb_main
1:  cli
    hlt
    jmp     1b
