/*
 * boot-info: entered through the Linux 64-bit boot protocol, reports what the VMM handed over:
 * the command line, every e820 entry, and the ACPI RSDP with the table its XSDT points at first.
 *
 *   cmdline: <text>
 *   e820: <address> <size> <type>        (one line per entry, 64-bit hex, type in decimal)
 *   rsdp: <address> <signature> rev <n> xsdt <address> <signature of the first XSDT entry>
 */
#include <stdint.h>

#include "uart.h"

#define BP_ACPI_RSDP_ADDR 0x070
#define BP_E820_ENTRIES   0x1e8
#define BP_CMD_LINE_PTR   0x228
#define BP_E820_TABLE     0x2d0
#define E820_ENTRY_SIZE   20

static uint64_t read64(uintptr_t address) { return *(volatile uint64_t*)address; }
static uint32_t read32(uintptr_t address) { return *(volatile uint32_t*)address; }
static uint8_t read8(uintptr_t address) { return *(volatile uint8_t*)address; }

static void put_signature(uintptr_t address, int length) {
    uart_putc('"');
    for (int i = 0; i < length; i++) uart_putc((char)read8(address + i));
    uart_putc('"');
}

int main(uintptr_t boot_params) {
    uart_puts("cmdline: ");
    uart_puts((const char*)(uintptr_t)read32(boot_params + BP_CMD_LINE_PTR));
    uart_putc('\n');

    uint8_t entries = read8(boot_params + BP_E820_ENTRIES);
    for (uint8_t i = 0; i < entries; i++) {
        uintptr_t entry = boot_params + BP_E820_TABLE + (uintptr_t)i * E820_ENTRY_SIZE;
        uart_puts("e820: ");
        uart_put_hex64(read64(entry));
        uart_putc(' ');
        uart_put_hex64(read64(entry + 8));
        uart_putc(' ');
        uart_put_dec(read32(entry + 16));
        uart_putc('\n');
    }

    uintptr_t rsdp = (uintptr_t)read64(boot_params + BP_ACPI_RSDP_ADDR);
    uart_puts("rsdp: ");
    uart_put_hex64(rsdp);
    uart_putc(' ');
    put_signature(rsdp, 8);
    uart_puts(" rev ");
    uart_put_dec(read8(rsdp + 15));
    uintptr_t xsdt = (uintptr_t)read64(rsdp + 24);
    uart_puts(" xsdt ");
    uart_put_hex64(xsdt);
    uart_putc(' ');
    put_signature(xsdt, 4);
    uart_puts(" first ");
    put_signature((uintptr_t)read64(xsdt + 36), 4);
    uart_putc('\n');
    return 0;
}
