/*
 * serial-echo: prints "ready\n", reads one line from COM1 by polling LSR.DR, and prints
 * "echo: <line in upper case>\n", then halts. Tests host-to-guest serial input. Without a whole
 * line within INPUT_TIMEOUT_MS it prints "serial-echo: no complete line within <ms> ms" and halts.
 */
#include <stdint.h>

#include "clock.h"
#include "io.h"
#include "uart.h"

#define COM1             0x3f8
#define LSR              5
#define LSR_DATA         0x01
#define INPUT_TIMEOUT_MS 30000

/* The next byte from COM1, or -1 when none came before `deadline` (clock.h). */
static int read_char(uint64_t deadline) {
    while (!(inb(COM1 + LSR) & LSR_DATA)) {
        if (clock_passed(deadline)) return -1;
    }
    return inb(COM1);
}

int main(void) {
    char line[64];
    unsigned length = 0;
    uart_puts("ready\n");
    uint64_t deadline = clock_deadline_ms(INPUT_TIMEOUT_MS);
    for (;;) {
        int c = read_char(deadline);
        if (c < 0) {
            uart_puts("serial-echo: no complete line within ");
            uart_put_dec(INPUT_TIMEOUT_MS);
            uart_puts(" ms\n");
            halt_forever();
        }
        if (c == '\n' || length == sizeof line - 1) break;
        line[length++] = (char)((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
    }
    line[length] = 0;
    uart_puts("echo: ");
    uart_puts(line);
    uart_putc('\n');
    halt_forever();
    return 0;
}
