#pragma once

#include <time.h>

#include <cstdint>

namespace vmm4j {

// Bounds how long a vCPU keeps device output back: while armed it sends the kick signal to the
// thread that armed it every `kHoldBoundNanos`, so a guest that writes and then runs without exits
// (a Linux prompt, then idle in the in-kernel HLT) still sees its output leave within the bound.
// Lives for one run() on one thread.
class HoldTimer {
public:
    static constexpr int64_t kHoldBoundNanos = 10'000'000;  // 10 ms

    HoldTimer() = default;
    ~HoldTimer();
    HoldTimer(const HoldTimer&) = delete;
    HoldTimer& operator=(const HoldTimer&) = delete;

    // Starts the bound; false when no timer could be made (the caller then flushes at once).
    bool arm() noexcept;
    void disarm() noexcept;
    bool armed() const noexcept { return armed_; }
    // Whether the bound has passed since arm().
    bool expired() const noexcept;

private:
    bool created_ = false;
    bool armed_ = false;
    timer_t timer_{};
    timespec deadline_{};
};

}  // namespace vmm4j
