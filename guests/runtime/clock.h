/*
 * Time for the test guests, so that no wait depends on how fast the CPU runs: a guest waits on an
 * event until a deadline, never for a number of loop turns (under an emulated CPU a VM exit costs
 * about 45 us, and loop counts that took milliseconds on hardware ran out before the event came).
 *
 * The source, chosen on first use (guests/README.md, "Time"):
 *   1. kvmclock, when CPUID 0x40000000 says "KVMKVMKVM" and 0x40000001 offers it: every vmm4j VM,
 *      with or without the irqchip, and QEMU with KVM. A read is an rdtsc, no VM exit;
 *   2. else PIT channel 0, counted at each read (three port accesses): QEMU's software CPU. No
 *      TSC there: under TCG on these hosts its rate, calibrated, was off by up to 64%;
 *   3. else none: one line on COM1 says so, and every deadline has passed at once, so each wait
 *      fails at its first check and the guest reports that wait.
 * Only the BSP may call these (kvmclock's area is the BSP's own).
 */
#ifndef VMM4J_GUEST_CLOCK_H
#define VMM4J_GUEST_CLOCK_H

#include <stdint.h>

/* "kvmclock", "pit" or "none"; the first call chooses the source. */
const char* clock_source(void);

/* Nanoseconds since an arbitrary origin; 0 when there is no source. */
uint64_t clock_ns(void);

/* The time `ms` milliseconds from now, for clock_passed. */
uint64_t clock_deadline_ms(uint32_t ms);

/* Whether `deadline` has passed (always, when there is no source). */
int clock_passed(uint64_t deadline);

/*
 * Starts PIT channel 0 as a free-running counter; 0 when no PIT answers at port 0x40 (vmm4j without
 * the irqchip, or -machine pit=off: the ports read all ones).
 */
int pit_start(void);

static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif
