/* Fixed layout shared by the guest runtime, the linker scripts' users and the guests. */
#ifndef VMM4J_GUEST_LAYOUT_H
#define VMM4J_GUEST_LAYOUT_H

#define GUEST_LOAD_ADDR 0x10000 /* flat binary is loaded here; first byte is the entry */
#define GUEST_STACK_TOP 0x80000 /* initial stack pointer set by entry32/entry64 */
#define GUEST_MAILBOX   0x6000  /* counter (u64) at 0x6000, start/run magic (u32) at 0x6008 */

#endif
