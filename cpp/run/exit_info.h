#pragma once

#include <cstdint>

namespace vmm4j {

// Why Vcpu::run() returned. Java reads these numbers, and the slots below, from the contract table
// (jni/contract.cpp, io.vmm4j.jni.NativeContract).
enum class ExitKind : int64_t {
    Interrupted = 0,  // a pause or kick ended a manual run() early
    Halt = 1,
    IoIn = 2,       // unclaimed port read (manual mode only)
    IoOut = 3,      // unclaimed port write (manual mode only)
    MmioRead = 4,   // unclaimed MMIO read (manual mode only)
    MmioWrite = 5,  // unclaimed MMIO write (manual mode only)
    Shutdown = 6,   // triple fault or a guest power-off
    SystemReset = 7,
    InternalError = 8,
    FailEntry = 9,
    DeviceError = 10,  // a device reported failure; kDeviceKey says which
    Stopped = 11,      // stop was requested
    SystemEventOther = 12,
    Unknown = 13,
};

// Slots of the per-vCPU exit info block shared with Java (int64 each).
struct ExitInfo {
    static constexpr int kKind = 0;
    static constexpr int kAddress = 1;      // port or guest physical address
    static constexpr int kSize = 2;         // access size in bytes
    static constexpr int kData = 3;         // written value (write exits)
    static constexpr int kCount = 4;        // repeat count of a string PIO instruction
    static constexpr int kReason = 5;       // internal-error suberror, entry-failure reason, system-event type,
                                            // or raw KVM exit reason for Unknown
    static constexpr int kCpu = 6;          // entry-failure cpu
    static constexpr int kDeviceKey = 7;    // failing device (DeviceError)
    static constexpr int kUpcallValue = 8;  // value returned by a Java device read
    static constexpr int kDataCount = 9;    // number of valid kExtraData slots
    static constexpr int kExtraData = 10;   // internal-error data words
    static constexpr int kExtraDataSlots = 16;
    static constexpr int kSlots = kExtraData + kExtraDataSlots;
};

}  // namespace vmm4j
