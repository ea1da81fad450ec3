/* Minimal polled 16550 output on COM1 (I/O port 0x3f8). No '\n' -> "\r\n" translation. */
#ifndef VMM4J_GUEST_UART_H
#define VMM4J_GUEST_UART_H

#include <stdint.h>

#define UART_BASE     0x3f8
#define UART_LSR      (UART_BASE + 5)
#define UART_LSR_THRE 0x20

void uart_putc(char c);
void uart_puts(const char* s);
void uart_put_hex8(uint8_t v);   /* "0x" + 2 lower-case digits  */
void uart_put_hex16(uint16_t v); /* "0x" + 4 digits             */
void uart_put_hex32(uint32_t v); /* "0x" + 8 digits             */
void uart_put_hex64(uint64_t v); /* "0x" + 16 digits            */
void uart_put_dec(uint32_t v);   /* decimal, no padding         */
void uart_put_dec64(uint64_t v); /* decimal, no padding         */

#endif
