#include "uart.h"
#include "io.h"

void uart_putc(char c) {
    while (!(inb(UART_LSR) & UART_LSR_THRE))
        ;
    outb(UART_BASE, (uint8_t)c);
}

void uart_puts(const char* s) {
    while (*s) uart_putc(*s++);
}

static void put_hex_digits(uint64_t v, int digits) {
    uart_putc('0');
    uart_putc('x');
    for (int i = digits - 1; i >= 0; i--) {
        unsigned nib = (unsigned)(v >> (i * 4)) & 0xf;
        uart_putc((char)(nib < 10 ? '0' + nib : 'a' + nib - 10));
    }
}

void uart_put_hex8(uint8_t v) { put_hex_digits(v, 2); }
void uart_put_hex16(uint16_t v) { put_hex_digits(v, 4); }
void uart_put_hex32(uint32_t v) { put_hex_digits(v, 8); }
void uart_put_hex64(uint64_t v) { put_hex_digits(v, 16); }

/* 64-by-10 division using only 32-bit divides, so 32-bit guests need no libgcc (__udivdi3). */
static uint64_t divmod10(uint64_t n, unsigned* rem) {
    uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
    uint32_t qhi = hi / 10, r = hi % 10;
    uint32_t t = (r << 16) | (lo >> 16);
    uint32_t q1 = t / 10;
    r = t % 10;
    t = (r << 16) | (lo & 0xffff);
    uint32_t q0 = t / 10;
    *rem = t % 10;
    return ((uint64_t)qhi << 32) | ((uint64_t)q1 << 16) | q0;
}

void uart_put_dec64(uint64_t v) {
    char buf[21];
    int i = 0;
    do {
        unsigned d;
        v = divmod10(v, &d);
        buf[i++] = (char)('0' + d);
    } while (v != 0);
    while (i > 0) uart_putc(buf[--i]);
}

void uart_put_dec(uint32_t v) {
    char buf[10];
    int i = 0;
    do {
        buf[i++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (i > 0) uart_putc(buf[--i]);
}
