/* reboot: asks the i8042 to pulse the CPU reset line (command 0xFE on port 0x64), as
 * Linux's reboot does, then halts. The VMM should end the VM with a system reset. */
    .section .text.entry, "ax"
    .code32
    .globl _start
_start:
    movb    $0xFE, %al
    outb    %al, $0x64
1:  hlt
    jmp     1b
