#include "kvm/event_fd.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace vmm4j {

EventFd::EventFd() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (!fd_.valid()) throw_errno("eventfd");
}

void EventFd::signal() const noexcept {
    const uint64_t one = 1;
    ssize_t written;
    do {
        written = ::write(fd_.get(), &one, sizeof one);
    } while (written < 0 && errno == EINTR);
    // EAGAIN means the counter is saturated: the reader is woken either way.
}

uint64_t EventFd::consume() const noexcept {
    uint64_t count = 0;
    ssize_t got;
    do {
        got = ::read(fd_.get(), &count, sizeof count);
    } while (got < 0 && errno == EINTR);
    return got == sizeof count ? count : 0;
}

bool EventFd::wait(int64_t timeout_millis) const {
    pollfd entry{fd_.get(), POLLIN, 0};
    int ready;
    do {
        ready = ::poll(&entry, 1, static_cast<int>(timeout_millis));
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) throw_errno("poll", "eventfd");
    return ready > 0 && consume() != 0;
}

}  // namespace vmm4j
