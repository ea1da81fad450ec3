/* The local APIC as the test guests use it: enable, identify, IPIs, EOI (xAPIC MMIO mode). */
#ifndef VMM4J_GUEST_LAPIC_H
#define VMM4J_GUEST_LAPIC_H

#include <stdint.h>

#include "clock.h"
#include "io.h"
#include "uart.h"

#define LAPIC            0xFEE00000u
#define LAPIC_ID         0x020
#define LAPIC_EOI        0x0B0
#define LAPIC_SVR        0x0F0
#define LAPIC_ICR_LOW    0x300
#define LAPIC_ICR_HIGH   0x310
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_ASSERT       (1u << 14)
#define ICR_PENDING      (1u << 12)
#define ICR_INIT         (5u << 8)
#define ICR_STARTUP      (6u << 8)
#define IPI_TIMEOUT_MS   1000

/* The LAPIC starts software-disabled; this sets SVR's enable bit and the spurious vector. */
static inline void lapic_enable(uint8_t spurious_vector) { mmio_write32(LAPIC + LAPIC_SVR, 0x100u | spurious_vector); }

static inline uint32_t lapic_id(void) { return mmio_read32(LAPIC + LAPIC_ID) >> 24; }

static inline void lapic_eoi(void) { mmio_write32(LAPIC + LAPIC_EOI, 0); }

/* Sends an IPI (ICR high first: writing ICR low sends it) and waits, bounded in time, for delivery. */
static inline void lapic_send_ipi(uint32_t command) {
    uint64_t deadline = clock_deadline_ms(IPI_TIMEOUT_MS);
    mmio_write32(LAPIC + LAPIC_ICR_HIGH, 0);
    mmio_write32(LAPIC + LAPIC_ICR_LOW, command);
    while (mmio_read32(LAPIC + LAPIC_ICR_LOW) & ICR_PENDING) {
        if (clock_passed(deadline)) {
            uart_puts("lapic: IPI ");
            uart_put_hex32(command);
            uart_puts(" still pending after ");
            uart_put_dec(IPI_TIMEOUT_MS);
            uart_puts(" ms\n");
            return;
        }
    }
}

/* INIT then STARTUP to every other CPU: they start in real mode at vector << 12. */
static inline void lapic_start_other_cpus(uint32_t sipi_vector) {
    lapic_send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
    lapic_send_ipi(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_STARTUP | sipi_vector);
}

#endif
