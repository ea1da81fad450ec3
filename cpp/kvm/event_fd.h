#pragma once

#include <cstdint>

#include "common/unique_fd.h"

namespace vmm4j {

// A non-blocking eventfd: the doorbell KVM rings for an ioeventfd, and the line KVM raises for
// an irqfd. signal() and consume() are safe from any thread.
class EventFd {
public:
    EventFd();  // throws a System error naming eventfd

    void signal() const noexcept;
    // Reads and clears the counter; 0 when nothing was signalled.
    uint64_t consume() const noexcept;
    // Waits up to timeout_millis for a signal and consumes it; false on timeout.
    bool wait(int64_t timeout_millis) const;
    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
};

}  // namespace vmm4j
