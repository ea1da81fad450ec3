/*
 * smp: the BSP starts every AP with INIT/SIPI through the in-kernel local APIC; each AP
 * reports its APIC id in the mailbox; the BSP prints what it saw. Needs the irqchip.
 * Output: "smp: cpus=N bsp=B aps=<id>,<id>...\n" (and a line saying so when an AP has not
 * reported within AP_TIMEOUT_MS), then 0x5D0E5D0E at GPA 0x6008.
 */
#include <stdint.h>

#include "clock.h"
#include "io.h"
#include "lapic.h"
#include "layout.h"
#include "uart.h"

#define REPORTS       (GUEST_MAILBOX + 0x100) /* u32 per APIC id */
#define REPORTED(id)  (0xA9000000u | (id))
#define DONE_MAGIC    0x5D0E5D0Eu
#define MAX_CPUS      64
#define AP_TIMEOUT_MS 10000 /* APs report in milliseconds on hardware, far later when emulated */

extern char ap_trampoline[];

void ap_main(uint32_t apic_id) {
    if (apic_id < MAX_CPUS) mmio_write32(REPORTS + 4 * apic_id, REPORTED(apic_id));
}

static void cpuid(uint32_t leaf, uint32_t* ebx) {
    uint32_t eax = leaf, ecx = 0, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(*ebx), "+c"(ecx), "=d"(edx));
}

int main(void) {
    uint32_t ebx;
    cpuid(1, &ebx);
    uint32_t cpus = (ebx >> 16) & 0xff;
    uint32_t bsp = ebx >> 24;
    if (cpus == 0) cpus = 1;
    if (cpus > MAX_CPUS) cpus = MAX_CPUS;

    lapic_enable(0xFF);
    uint32_t vector = (uint32_t)(uintptr_t)ap_trampoline >> 12;
    lapic_start_other_cpus(vector);

    uint64_t deadline = clock_deadline_ms(AP_TIMEOUT_MS);
    uint32_t seen;
    for (;;) {
        seen = 0;
        for (uint32_t id = 0; id < cpus; id++) {
            if (id != bsp && mmio_read32(REPORTS + 4 * id) == REPORTED(id)) seen++;
        }
        if (seen == cpus - 1 || clock_passed(deadline)) break;
    }

    uart_puts("smp: cpus=");
    uart_put_dec(cpus);
    uart_puts(" bsp=");
    uart_put_dec(bsp);
    uart_puts(" aps=");
    const char* separator = "";
    for (uint32_t id = 0; id < cpus; id++) {
        if (id != bsp && mmio_read32(REPORTS + 4 * id) == REPORTED(id)) {
            uart_puts(separator);
            uart_put_dec(id);
            separator = ",";
        }
    }
    uart_putc('\n');
    if (seen != cpus - 1) {
        uart_puts("smp: not every AP reported within ");
        uart_put_dec(AP_TIMEOUT_MS);
        uart_puts(" ms\n");
    }
    mmio_write32(GUEST_MAILBOX + 8, DONE_MAGIC);
    halt_forever();
    return 0;
}
