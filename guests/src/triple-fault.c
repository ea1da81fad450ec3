/*
 * triple-fault (32-bit): prints "triple-fault: going down\n", loads an IDT with limit 0,
 * then executes ud2: #UD cannot be delivered -> #GP -> #DF -> triple fault (KVM_EXIT_SHUTDOWN).
 */
#include <stdint.h>
#include "uart.h"

struct __attribute__((packed)) idt_desc {
    uint16_t limit;
    uint32_t base;
};

static const struct idt_desc empty_idt = {0, 0};

void main(void) {
    uart_puts("triple-fault: going down\n");
    __asm__ volatile("lidt %0\n\tud2" : : "m"(empty_idt) : "memory");
    for (;;) __asm__ volatile("cli; hlt");
}
