#include "run/run_control.h"

#include <chrono>

namespace vmm4j {

void RunControl::add(Kickable& vcpu) {
    std::lock_guard<std::mutex> lock(mutex_);
    vcpus_.push_back(&vcpu);
}

bool RunControl::pause(int64_t timeout_millis) {
    std::unique_lock<std::mutex> lock(mutex_);
    pause_requested_ = true;
    for (Kickable* vcpu : vcpus_) vcpu->kick();
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_millis),
                             [this] { return parked_ == running_ || stop_requested_; });
}

void RunControl::resume() {
    std::lock_guard<std::mutex> lock(mutex_);
    pause_requested_ = false;
    changed_.notify_all();
}

void RunControl::request_stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_requested_ = true;
    for (Kickable* vcpu : vcpus_) vcpu->kick();
    changed_.notify_all();
}

void RunControl::enter_run() {
    std::lock_guard<std::mutex> lock(mutex_);
    ++running_;
}

void RunControl::leave_run() {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    changed_.notify_all();  // a pause() may be waiting for this thread
}

void RunControl::park_while_paused() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++parked_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !pause_requested_ || stop_requested_; });
    --parked_;
}

}  // namespace vmm4j
