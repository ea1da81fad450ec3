/*
 * virtio-irq (32-bit): a virtio-rng request completed by an interrupt, not by polling.
 *
 * The host writes the device's MMIO base to 0x6000 and its GSI to 0x6004 (the slot from
 * addVirtioDevice), then MAILBOX_MAGIC to 0x600C. The guest loads its own GDT and a 256-gate IDT
 * (vector 0x30 handles the device, 0xFF is the LAPIC spurious vector, any other vector is reported
 * as unexpected), masks the 8259s, software-enables the LAPIC, and programs the IOAPIC entry of
 * the GSI: vector 0x30, fixed, physical destination APIC 0, edge, active high, unmasked. It then
 * sets up the rng queue and, twice: submits a 32-byte request with IF=0, runs `sti; hlt` until the
 * handler has run (which reads InterruptStatus, writes InterruptACK, sends the LAPIC EOI), and
 * checks the used ring. Output on COM1, one line per request:
 *   virtio-irq: interrupt <n> vector=0x30 status=0x01 bytes=32 tsc=<notify-to-handler TSC ticks>
 * then "virtio-irq: PASS" and 0x21 to isa-debug-exit (port 0xf4). A failure prints
 * "virtio-irq: FAIL <step>" and writes 0x40 + step number.
 */
#include <stdint.h>

#include "clock.h"
#include "io.h"
#include "lapic.h"
#include "layout.h"
#include "uart.h"
#include "virtio.h"

#define MAILBOX_BASE  (GUEST_MAILBOX + 0x0)
#define MAILBOX_GSI   (GUEST_MAILBOX + 0x4)
#define MAILBOX_READY (GUEST_MAILBOX + 0xC)
#define MAILBOX_MAGIC 0x56495251u /* "VIRQ" */

#define VECTOR        0x30
#define SPURIOUS      0xFF
#define IOAPIC        0xFEC00000u
#define IOAPIC_WINDOW 0x10
#define DEBUG_EXIT    0xf4
#define EXIT_PASS     0x21
#define EXIT_FAIL     0x40

#define RING     0x100000u
#define BUFFER   0x200000u
#define BYTES    32
#define REQUESTS 2

struct gate {
    uint16_t offset_low, selector;
    uint8_t zero, type;
    uint16_t offset_high;
} __attribute__((packed));
struct table_register {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

extern char isr_stubs[];
static struct gate idt[256];
static const uint64_t gdt[3] = {
    0, 0x00CF9A000000FFFFull, /* 0x08: flat 32-bit code, as FlatBinaryBoot's CS */
    0x00CF92000000FFFFull,    /* 0x10: flat data */
};

static uint32_t base;
static volatile uint32_t interrupts;
static volatile uint32_t last_status;
static volatile uint32_t spurious;
static volatile uint64_t notified_at, handled_at;

static void __attribute__((noreturn)) finish(uint8_t code) {
    outb(DEBUG_EXIT, code);
    halt_forever();
    __builtin_unreachable();
}

static void __attribute__((noreturn)) fail(uint8_t step, const char* what) {
    uart_puts("virtio-irq: FAIL ");
    uart_puts(what);
    uart_putc('\n');
    finish(EXIT_FAIL + step);
}

void isr_dispatch(uint32_t vector) {
    if (vector == VECTOR) {
        handled_at = rdtsc();
        uint32_t status = rd(base, R_INTERRUPT_STATUS);
        wr(base, R_INTERRUPT_ACK, status);
        last_status = status;
        interrupts++;
        lapic_eoi();
        return;
    }
    if (vector == SPURIOUS) { /* no EOI for the spurious vector */
        spurious++;
        return;
    }
    uart_puts("virtio-irq: unexpected vector=");
    uart_put_hex8((uint8_t)vector);
    uart_putc('\n');
    finish(EXIT_FAIL + 0x3f);
}

static void load_tables(void) {
    for (uint32_t v = 0; v < 256; v++) {
        uint32_t handler = (uint32_t)isr_stubs + 16 * v;
        idt[v].offset_low = (uint16_t)handler;
        idt[v].selector = 0x08;
        idt[v].zero = 0;
        idt[v].type = 0x8E; /* present, DPL 0, 32-bit interrupt gate */
        idt[v].offset_high = (uint16_t)(handler >> 16);
    }
    struct table_register gdtr = {sizeof gdt - 1, (uint32_t)gdt};
    struct table_register idtr = {sizeof idt - 1, (uint32_t)idt};
    /* The VMM gives CS 0x08 and data 0x10 without a GDT; an interrupt reloads CS, so make it real. */
    __asm__ volatile(
        "lgdt %0\n\t"
        "ljmp $0x08, $1f\n"
        "1:\tmovw $0x10, %%ax\n\t"
        "movw %%ax, %%ds\n\tmovw %%ax, %%es\n\tmovw %%ax, %%ss\n\t"
        "movw %%ax, %%fs\n\tmovw %%ax, %%gs\n\t"
        "lidt %1"
        :
        : "m"(gdtr), "m"(idtr)
        : "eax", "memory");
}

static void ioapic_write(uint32_t reg, uint32_t value) {
    mmio_write32(IOAPIC, reg);
    mmio_write32(IOAPIC + IOAPIC_WINDOW, value);
}

static uint32_t ioapic_read(uint32_t reg) {
    mmio_write32(IOAPIC, reg);
    return mmio_read32(IOAPIC + IOAPIC_WINDOW);
}

/* IF=0 on entry and exit: `sti; hlt` lets a pending interrupt in only once the CPU halts. */
static void wait_for_interrupt(uint32_t count) {
    while (interrupts < count) __asm__ volatile("sti; hlt; cli" ::: "memory");
}

void main(void) {
    if (mmio_read32(MAILBOX_READY) != MAILBOX_MAGIC) fail(1, "mailbox");
    base = mmio_read32(MAILBOX_BASE);
    uint32_t gsi = mmio_read32(MAILBOX_GSI);
    if (rd(base, R_MAGIC) != VIRTIO_MAGIC || rd(base, R_VERSION) != 2 || rd(base, R_DEVICE_ID) != 4) {
        fail(2, "no virtio-rng at the mailbox base");
    }

    load_tables();
    outb(0x21, 0xff); /* mask both 8259s: the GSI reaches the CPU through the IOAPIC only */
    outb(0xa1, 0xff);
    lapic_enable(SPURIOUS);
    if (gsi >= ((ioapic_read(1) >> 16) & 0xff) + 1) fail(3, "GSI beyond the IOAPIC's entries");
    ioapic_write(0x11 + 2 * gsi, 0u << 24); /* destination: APIC id 0 */
    ioapic_write(0x10 + 2 * gsi, VECTOR);   /* fixed, physical, active high, edge, unmasked */

    struct vq q;
    if (virtio_negotiate(base, 0) < 0 || virtio_setup_queue(&q, base, RING, 0) < 0) fail(4, "rng setup");
    wr(base, R_STATUS, 0xf);

    for (uint32_t n = 1; n <= REQUESTS; n++) {
        volatile uint8_t* buffer = (volatile uint8_t*)(BUFFER + n * 0x100);
        zero(buffer, BYTES);
        uint16_t head = (uint16_t)(n - 1);
        virtq_set_desc(&q, head, (uint32_t)buffer, BYTES, F_WRITE, 0);
        notified_at = rdtsc();
        virtq_publish(&q, head);
        wait_for_interrupt(n);
        if (interrupts != n) fail(5, "interrupt count");
        uint32_t id, len;
        if (!virtq_take_used(&q, &id, &len)) fail(6, "used ring empty after the interrupt");
        if (id != head || len != BYTES) fail(7, "used element");
        if (virtq_take_used(&q, &id, &len)) fail(8, "extra used element");
        uart_puts("virtio-irq: interrupt ");
        uart_put_dec(n);
        uart_puts(" vector=");
        uart_put_hex8(VECTOR);
        uart_puts(" status=");
        uart_put_hex8((uint8_t)last_status);
        uart_puts(" bytes=");
        uart_put_dec(len);
        uart_puts(" tsc=");
        uart_put_dec64(handled_at - notified_at);
        uart_putc('\n');
        if (last_status != 1) fail(9, "InterruptStatus");
    }
    if (rd(base, R_INTERRUPT_STATUS) != 0) fail(10, "InterruptStatus not cleared by the ACK");
    uart_puts("virtio-irq: PASS\n");
    finish(EXIT_PASS);
}
