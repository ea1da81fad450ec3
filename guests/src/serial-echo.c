/*
 * serial-echo: prints "ready\n", reads one line from COM1 by polling LSR.DR, and prints
 * "echo: <line in upper case>\n", then halts. Tests host-to-guest serial input.
 */
#include <stdint.h>

#include "io.h"
#include "uart.h"

#define COM1     0x3f8
#define LSR      5
#define LSR_DATA 0x01

static char read_char(void) {
    while (!(inb(COM1 + LSR) & LSR_DATA)) {}
    return (char)inb(COM1);
}

int main(void) {
    char line[64];
    unsigned length = 0;
    uart_puts("ready\n");
    for (;;) {
        char c = read_char();
        if (c == '\n' || length == sizeof line - 1) break;
        line[length++] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    line[length] = 0;
    uart_puts("echo: ");
    uart_puts(line);
    uart_putc('\n');
    halt_forever();
    return 0;
}
