// The upcall path of a Java device alone, for UpcallBenchmark: calls the upcall vmm4j installed (a
// JavaCPP thunk) as a vCPU's exits do, without KVM. It lives here, not in the shipped library.
#pragma once

#include <cstdint>
#include <ctime>

typedef int32_t (*bench_io_upcall)(int32_t vcpu_key, int32_t device_key, int64_t address, int32_t size,
                                   int32_t is_write, int64_t data);

// Elapsed nanoseconds for count upcalls, or -1 when one failed. `callback` is the address of the
// JavaCPP callback object vmm4j installed (FunctionPointer.address()): JavaCPP keeps the C function
// pointer as that object's first member.
inline int64_t bench_upcall_loop(int64_t callback, int32_t vcpu_key, int32_t device_key, int32_t is_write,
                                 int64_t count) {
    if (callback == 0) return -1;
    bench_io_upcall call = *reinterpret_cast<const bench_io_upcall*>(callback);
    if (call == nullptr) return -1;
    timespec start{}, end{};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int64_t i = 0; i < count; ++i) {
        if (call(vcpu_key, device_key, 0, 1, is_write, 0x5a) != 0) return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (end.tv_sec - start.tv_sec) * 1000000000LL + (end.tv_nsec - start.tv_nsec);
}
