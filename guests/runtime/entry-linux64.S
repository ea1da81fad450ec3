/*
 * Entry for guests started the way Linux is (the 64-bit boot protocol): the VMM has already
 * put the vCPU in long mode with identity page tables and RSI pointing at boot_params, so
 * this only sets a stack and passes RSI on as main's argument. .bss is not zeroed: keep the
 * guest's state on the stack.
 */
    .section .text.entry, "ax"
    .code64
    .globl _start
_start:
    movq    $0x80000, %rsp
    movq    %rsi, %rdi
    call    main
1:  cli
    hlt
    jmp     1b
