/*
 * 32-bit protected-mode entry. The VMM (or entry16.S) has set flat segments and
 * paging off. Sets the stack, zeroes .bss (small), calls main(), then halts forever.
 */
#include "layout.h"

    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    cli
    movl    $GUEST_STACK_TOP, %esp
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
