#pragma once

#include <cstdint>

namespace vmm4j {

// The device upcall into Java, with primitive arguments only. Java finds the vCPU and the
// device by key. For a read it stores the value in the vCPU's exit info
// (ExitInfo::kUpcallValue). It returns 0 on success and nonzero when the device failed.
// A device key of kUnclaimedPioKey or kUnclaimedMmioKey reports an access no device claimed.
using IoUpcall = int32_t (*)(int32_t vcpu_key, int32_t device_key, int64_t address, int32_t size, int32_t is_write,
                             int64_t data);

constexpr int32_t kUnclaimedPioKey = -1;
constexpr int32_t kUnclaimedMmioKey = -2;

void set_io_upcall(IoUpcall upcall) noexcept;
IoUpcall io_upcall() noexcept;

// The output upcall (bus/output_sink.h): `length` bytes for the Java sink `sink_key`, which Java
// copies with copy_delivered() during the call. Returns 0, or nonzero when the sink failed.
using SinkUpcall = int32_t (*)(int32_t sink_key, int32_t length);

void set_sink_upcall(SinkUpcall upcall) noexcept;
SinkUpcall sink_upcall() noexcept;

}  // namespace vmm4j
