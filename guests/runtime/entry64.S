/*
 * Long-mode entry, started in 32-bit flat protected mode with paging off.
 * Page tables are static data (built by the assembler, nothing written at run time):
 *   0 - 1 GiB          identity, 2 MiB pages, write-back
 *   3 GiB - 4 GiB      identity, 2 MiB pages, PCD|PWT (MMIO devices live here)
 * Enables PAE, loads CR3, sets EFER.LME, enables paging, far-jumps to 64-bit code,
 * sets the stack, zeroes .bss (small), calls main(), then halts forever.
 */
#include "layout.h"

#define PTE_P   0x001
#define PTE_RW  0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS  0x080

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    lgdt    gdt64_desc
    movl    %cr4, %eax
    orl     $0x20, %eax             /* CR4.PAE */
    movl    %eax, %cr4
    movl    $pml4, %eax
    movl    %eax, %cr3
    movl    $0xC0000080, %ecx       /* IA32_EFER */
    rdmsr
    orl     $0x100, %eax            /* EFER.LME */
    wrmsr
    movl    %cr0, %eax
    orl     $0x80000001, %eax       /* CR0.PG | CR0.PE */
    movl    %eax, %cr0
    ljmp    $0x08, $start64

    .code64
start64:
    movl    $0x10, %eax
    movw    %ax, %ds
    movw    %ax, %es
    movw    %ax, %fs
    movw    %ax, %gs
    movw    %ax, %ss
    movl    $GUEST_STACK_TOP, %esp  /* zero-extends into %rsp */
    cld
    movl    $__bss_start, %edi
    movl    $__bss_end, %ecx
    subl    %edi, %ecx
    xorl    %eax, %eax
    rep stosb
    call    main
1:  cli
    hlt
    jmp     1b

    .section .rodata.entry64, "a"
    .balign 8
gdt64:
    .quad   0                       /* null */
    .quad   0x00AF9A000000FFFF      /* 0x08: 64-bit code */
    .quad   0x00CF92000000FFFF      /* 0x10: data */
gdt64_end:
    .balign 8
    .word   0
gdt64_desc:
    .word   gdt64_end - gdt64 - 1
    .long   gdt64

    .section .data.pagetables, "aw"
    .balign 4096
pml4:
    .quad   pdpt + (PTE_P | PTE_RW)
    .fill   511, 8, 0
pdpt:
    .quad   pd_low + (PTE_P | PTE_RW)       /* 0 - 1 GiB */
    .quad   0
    .quad   0
    .quad   pd_high + (PTE_P | PTE_RW)      /* 3 - 4 GiB */
    .fill   508, 8, 0
pd_low:
    .set    i, 0
    .rept   512
    .quad   (i << 21) | (PTE_P | PTE_RW | PTE_PS)
    .set    i, i + 1
    .endr
pd_high:
    .set    i, 0
    .rept   512
    .quad   (0xC0000000 + (i << 21)) | (PTE_P | PTE_RW | PTE_PWT | PTE_PCD | PTE_PS)
    .set    i, i + 1
    .endr
