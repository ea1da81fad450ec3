// CPU pinning for benchmarks whose two sides must do their work on the same CPU (the vCPUs of a
// VM, or the cores of a busy host, are rarely equally fast). Header-only; bound by
// io.vmm4j.benchmarks.baseline.RawKvm. Errors are returned as -errno.
#pragma once

#include <cerrno>
#include <cstdint>
#include <sched.h>

// Pins the calling thread to `cpu`; 0 or -errno.
inline int32_t bench_pin_current_thread(int32_t cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return -EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return ::sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -errno;
}
