/*
 * virtio-irq: one 16-byte interrupt stub per vector (isr_stubs + 16 * vector). Each pushes its
 * vector and joins isr_common, which saves the registers and calls isr_dispatch(vector). Only
 * vectors isr_dispatch returns from (the virtio vector, the spurious vector) return; for any
 * other vector it reports and halts, so the error code some exceptions push never matters.
 *
 * No iret: on kvm_pvm ring-0 code runs in KVM's instruction emulator, which handles IRET only in
 * real mode (a protected-mode iret stops the VM with an emulation failure). The interrupt came from
 * the same CS at the same privilege, so returning is: restore EFLAGS (IF=1 again), then pop EIP and
 * drop CS and EFLAGS with `ret $8`. An interrupt taken between the popfl and the ret nests safely.
 */
    .section .text, "ax"
    .code32
    .globl isr_stubs
    .balign 16
isr_stubs:
    .set vector, 0
    .rept 256
    .balign 16
    pushl   $vector
    jmp     isr_common
    .set vector, vector + 1
    .endr

isr_common:
    pushal
    cld
    pushl   32(%esp)            /* the vector pushed by the stub */
    call    isr_dispatch
    addl    $4, %esp
    popal
    addl    $4, %esp            /* drop the vector: EIP, CS, EFLAGS remain */
    pushl   8(%esp)
    popfl
    ret     $8
