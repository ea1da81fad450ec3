/* hello (long mode, entry64): prints "Hello from vmm4j guest\n", then halts. */
#include "uart.h"

void main(void) { uart_puts("Hello from vmm4j guest\n"); }
