/* See clock.h. */
#include "clock.h"

#include "io.h"
#include "uart.h"

#define KVM_CPUID_SIGNATURE      0x40000000u
#define KVM_CPUID_FEATURES       0x40000001u
#define KVM_SIGNATURE_EBX        0x4b4d564bu /* "KVMK" */
#define KVM_SIGNATURE_ECX        0x564b4d56u /* "VMKV" */
#define KVM_SIGNATURE_EDX        0x0000004du /* "M\0\0\0" */
#define KVM_FEATURE_CLOCKSOURCE  (1u << 0)
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define MSR_KVM_SYSTEM_TIME      0x12u
#define MSR_KVM_SYSTEM_TIME_NEW  0x4b564d01u

#define PIT_CHANNEL0  0x40
#define PIT_MODE      0x43
#define PIT_CH0_MODE2 0x34 /* channel 0, low then high byte, mode 2 (rate generator), binary */
#define PIT_CH0_LATCH 0x00
#define PIT_PERIOD    0x8000u /* counts PIT_PERIOD..1, so it never reads 0xffff */
#define PIT_PROBES    3
#define PIT_NS_MUL    3515225674u /* 1.193182 MHz ticks to ns, as scale() takes it: */
#define PIT_NS_SHIFT  10          /* (ticks << 10) * 10^9 / (1193182 << 10) */

enum source { UNCHOSEN, KVMCLOCK, PIT, NONE };

/* struct pvclock_vcpu_time_info, written by KVM; 32 bytes, aligned so that it never crosses a page. */
struct pvclock {
    uint32_t version;
    uint32_t pad0;
    uint64_t tsc_timestamp;
    uint64_t system_time;
    uint32_t tsc_to_system_mul;
    int8_t tsc_shift;
    uint8_t flags;
    uint8_t pad[2];
};

static volatile struct pvclock kvmclock __attribute__((aligned(32)));
static enum source source;
static uint16_t pit_last;  /* the counter at the last read */
static uint64_t pit_ticks; /* ticks counted since the PIT was chosen */

static void cpuid(uint32_t leaf, uint32_t* eax, uint32_t* ebx, uint32_t* ecx, uint32_t* edx) {
    *eax = leaf;
    *ecx = 0;
    __asm__ volatile("cpuid" : "+a"(*eax), "=b"(*ebx), "+c"(*ecx), "=d"(*edx));
}

static void wrmsr(uint32_t msr, uint64_t value) {
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)) : "memory");
}

/* delta << shift, times mul / 2^32: pvclock's scaling, with 32-bit multiplies only (no libgcc). */
static uint64_t scale(uint64_t delta, uint32_t mul, int8_t shift) {
    if (shift < 0) {
        delta >>= -shift;
    } else {
        delta <<= shift;
    }
    return (((uint64_t)(uint32_t)delta * mul) >> 32) + (uint64_t)(uint32_t)(delta >> 32) * mul;
}

/* Registers the BSP's kvmclock area; 1 if KVM offers kvmclock and filled the area in. */
static int start_kvmclock(void) {
    uint32_t eax, ebx, ecx, edx;
    cpuid(KVM_CPUID_SIGNATURE, &eax, &ebx, &ecx, &edx);
    if (ebx != KVM_SIGNATURE_EBX || ecx != KVM_SIGNATURE_ECX || edx != KVM_SIGNATURE_EDX) return 0;
    cpuid(KVM_CPUID_FEATURES, &eax, &ebx, &ecx, &edx);
    uint32_t msr = (eax & KVM_FEATURE_CLOCKSOURCE2)  ? MSR_KVM_SYSTEM_TIME_NEW
                   : (eax & KVM_FEATURE_CLOCKSOURCE) ? MSR_KVM_SYSTEM_TIME
                                                     : 0;
    if (msr == 0) return 0;
    wrmsr(msr, (uint32_t)(uintptr_t)&kvmclock | 1u);
    /* KVM writes the area before it enters the guest again, so a zero scale means it did not. */
    return kvmclock.tsc_to_system_mul != 0;
}

static uint16_t pit_read(void) {
    outb(PIT_MODE, PIT_CH0_LATCH);
    uint16_t low = inb(PIT_CHANNEL0);
    return (uint16_t)(low | (inb(PIT_CHANNEL0) << 8));
}

/*
 * Starts PIT channel 0 counting down from PIT_PERIOD, over and over; 0 if there is no PIT. Channel 0
 * needs no gate (channel 2's is port 0x61, which QEMU's microvm lacks). Its counter then never reads
 * 0xffff, which is what an unclaimed port gives (vmm4j without the irqchip). Its interrupt is not
 * wanted: these guests run with IF=0 or mask IRQ 0.
 */
int pit_start(void) {
    outb(PIT_MODE, PIT_CH0_MODE2);
    outb(PIT_CHANNEL0, PIT_PERIOD & 0xff);
    outb(PIT_CHANNEL0, PIT_PERIOD >> 8);
    int present = 0;
    for (int probe = 0; probe < PIT_PROBES && !present; probe++) {
        pit_last = pit_read(); /* real hardware may show the old count until its next tick */
        present = pit_last != 0xffff;
    }
    return present;
}

static enum source choose(void) {
    if (source == UNCHOSEN) {
        if (start_kvmclock()) {
            source = KVMCLOCK;
        } else if (pit_start()) {
            source = PIT;
        } else {
            source = NONE;
            uart_puts("clock: no kvmclock in CPUID and no PIT at port 0x40: every wait ends at once\n");
        }
    }
    return source;
}

const char* clock_source(void) {
    switch (choose()) {
        case KVMCLOCK: return "kvmclock";
        case PIT: return "pit";
        default: return "none";
    }
}

uint64_t clock_ns(void) {
    switch (choose()) {
        case KVMCLOCK: {
            /* KVM updates the area only while this vCPU is outside the guest, so the version is even
             * and unchanged here unless the vCPU left the guest in between: then read again. */
            uint32_t version;
            uint64_t tsc, base_tsc, base_ns;
            uint32_t mul;
            int8_t shift;
            do {
                version = kvmclock.version;
                __asm__ volatile("" ::: "memory");
                base_tsc = kvmclock.tsc_timestamp;
                base_ns = kvmclock.system_time;
                mul = kvmclock.tsc_to_system_mul;
                shift = kvmclock.tsc_shift;
                tsc = rdtsc();
                __asm__ volatile("" ::: "memory");
            } while ((version & 1) || version != kvmclock.version);
            return base_ns + scale(tsc > base_tsc ? tsc - base_tsc : 0, mul, shift);
        }
        case PIT: {
            /* The counter wraps every 27 ms: ticks between two reads further apart than that are
             * lost, which makes a wait longer, never shorter. */
            uint16_t now = pit_read();
            pit_ticks += (uint16_t)(pit_last - now) % PIT_PERIOD;
            pit_last = now;
            return scale(pit_ticks, PIT_NS_MUL, PIT_NS_SHIFT);
        }
        default: return 0;
    }
}

uint64_t clock_deadline_ms(uint32_t ms) { return clock_ns() + (uint64_t)ms * 1000000u; }

int clock_passed(uint64_t deadline) { return choose() == NONE || clock_ns() >= deadline; }
