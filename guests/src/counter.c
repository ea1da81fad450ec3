/*
 * counter (32-bit): stores magic 0xC0C0C0C0 at GPA 0x6008, zeroes the u64 at GPA 0x6000,
 * then increments it forever (volatile load + store each iteration). Never prints or halts.
 */
#include <stdint.h>
#include "layout.h"

void main(void) {
    volatile uint64_t* counter = (volatile uint64_t*)GUEST_MAILBOX;
    volatile uint32_t* magic = (volatile uint32_t*)(GUEST_MAILBOX + 8);
    *counter = 0;
    *magic = 0xC0C0C0C0u;
    for (;;) *counter = *counter + 1;
}
