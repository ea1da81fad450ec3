#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

namespace vmm4j {

// Something running a vCPU that pause and stop must interrupt.
class Kickable {
public:
    virtual void kick() noexcept = 0;

protected:
    ~Kickable() = default;
};

// Pause and stop for one VM's vCPUs, callable from any thread. The run loop tests the flags
// once per iteration (atomics, no lock); a managed vCPU parks here while paused. Policy (what
// pauses or stops a VM, and when) lives in Java.
class RunControl {
public:
    // Adds a vCPU to kick on pause and stop; before it runs. It must outlive this object's use.
    void add(Kickable& vcpu);

    // Returns once every vCPU inside a managed run is parked; false on timeout.
    bool pause(int64_t timeout_millis);
    void resume();
    void request_stop();
    bool stop_requested() const noexcept { return stop_requested_.load(); }
    bool pause_requested() const noexcept { return pause_requested_.load(); }

    // Used by the run loop: counts the threads inside it, and parks a managed vCPU while paused
    // (returns when resumed or stopped).
    void enter_run();
    void leave_run();
    void park_while_paused();

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Kickable*> vcpus_;
    // Atomic so the run loop can test them without the mutex; written under it.
    std::atomic<bool> pause_requested_{false};
    std::atomic<bool> stop_requested_{false};
    int running_ = 0;  // threads inside a run
    int parked_ = 0;   // of those, parked in park_while_paused()
};

}  // namespace vmm4j
