/*
 * mmio-echo (32-bit): talks to the echo device at 0xD0000000.
 *   +0x0 (32-bit) write stores, read returns stored ^ 0xFFFFFFFF
 *   +0x4 (32-bit) write is recorded by the device
 *   +0x8 (8-bit)  read returns 0x5A
 * Prints "mmio-echo: 0xedcba987 0x5a\n" (from the values actually read), then halts.
 */
#include "io.h"
#include "uart.h"

#define ECHO_BASE 0xD0000000u

void main(void) {
    mmio_write32(ECHO_BASE + 0x0, 0x12345678u);
    uint32_t v = mmio_read32(ECHO_BASE + 0x0);
    uint8_t b = mmio_read8(ECHO_BASE + 0x8);
    mmio_write32(ECHO_BASE + 0x4, 0xCAFEF00Du);
    uart_puts("mmio-echo: ");
    uart_put_hex32(v);
    uart_putc(' ');
    uart_put_hex8(b);
    uart_putc('\n');
}
