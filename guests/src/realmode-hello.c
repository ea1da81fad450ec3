/* realmode-hello (real-mode entry, entry16 -> entry32): prints "Hello from real mode\n", then halts. */
#include "uart.h"

void main(void) { uart_puts("Hello from real mode\n"); }
