/*
 * count-out (32-bit): like counter, but reports every step: stores magic 0xC0C0C0C0 at GPA 0x6008,
 * then forever increments the u64 at GPA 0x6000 and writes its low 32 bits to port 0x4000. A host
 * device on that port sees 1, 2, 3, ...: a step repeated or skipped (across a snapshot) shows.
 */
#include <stdint.h>
#include "io.h"
#include "layout.h"

#define COUNT_PORT 0x4000

void main(void) {
    volatile uint64_t* counter = (volatile uint64_t*)GUEST_MAILBOX;
    volatile uint32_t* magic = (volatile uint32_t*)(GUEST_MAILBOX + 8);
    *counter = 0;
    *magic = 0xC0C0C0C0u;
    for (;;) {
        uint64_t next = *counter + 1;
        *counter = next;
        outl(COUNT_PORT, (uint32_t)next);
    }
}
