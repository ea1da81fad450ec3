#pragma once

#include <cstdint>

#include "bus/access_context.h"
#include "bus/io_bus.h"
#include "kvm/linux_kvm.h"
#include "run/exit_info.h"

namespace vmm4j {

enum class RunMode : int32_t {
    // Exits claimed by a bus device are handled inline; anything else returns to the caller.
    Manual = 0,
    // Unclaimed port and MMIO accesses are absorbed (writes dropped, reads all ones) and
    // reported to Java once; pause parks the thread inside the loop.
    Managed = 1,
};

// The kvm_run area of one exit: the record KVM filled and the area's size, which bounds the
// PIO data KVM placed in it. On KVM it is the vCPU's mapped page; tests build their own.
struct RunArea {
    kvm_run* state;
    uint64_t size;
};

// What one vCPU's exits need besides the run area: its upcall key, its exit-info block
// (ExitInfo slots, shared with Java) and the device holding output back, if any.
class ExitContext final : public AccessContext {
public:
    ExitContext(int32_t vcpu_key, int64_t* exit_info) noexcept : vcpu_key_(vcpu_key), exit_info_(exit_info) {}

    int32_t vcpu_key() const noexcept override { return vcpu_key_; }
    void name_device(int32_t device_key) noexcept override { exit_info_[ExitInfo::kDeviceKey] = device_key; }
    uint64_t upcall_value() const noexcept override {
        return static_cast<uint64_t>(exit_info_[ExitInfo::kUpcallValue]);
    }
    void hold(BusDevice& device) noexcept override { held_ = &device; }

    BusDevice* held() const noexcept { return held_; }
    // Sends the held output, if any; false when that failed (the device is named in the exit info).
    bool flush_held();
    int64_t* exit_info() noexcept { return exit_info_; }

private:
    int32_t vcpu_key_;
    int64_t* exit_info_;
    BusDevice* held_ = nullptr;
};

enum class Step { Continue, Return };

// Serves one exit that KVM reported in `run`: a port or MMIO access goes to its device on
// `pio` or `mmio` (inline), an unclaimed one is absorbed (managed) or returned (manual), and
// anything else is returned. Held output is flushed first unless the exit goes to the device
// holding it. On Return, `kind` and the exit info say why; the run area is never read outside
// its bounds.
Step handle_exit(const RunArea& run, const IoBus& pio, const IoBus& mmio, ExitContext& context, RunMode mode,
                 ExitKind& kind);

// Records `kind` as the exit's outcome; returns Step::Return.
Step report(ExitContext& context, ExitKind kind, ExitKind& out) noexcept;

}  // namespace vmm4j
