#include "run/hold_timer.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "run/kick.h"

namespace vmm4j {

namespace {
constexpr int64_t kNanosPerSecond = 1'000'000'000;

timespec now() noexcept {
    timespec time{};
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time;
}
}  // namespace

HoldTimer::~HoldTimer() {
    if (created_) timer_delete(timer_);
}

bool HoldTimer::arm() noexcept {
    if (!created_) {
        sigevent event{};
        event.sigev_notify = SIGEV_THREAD_ID;
        event.sigev_signo = kick_signal();
        event._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
        if (timer_create(CLOCK_MONOTONIC, &event, &timer_) != 0) return false;
        created_ = true;
    }
    // Periodic: a tick that lands outside KVM_RUN is lost, the next one is not.
    itimerspec period{};
    period.it_value.tv_nsec = kHoldBoundNanos;
    period.it_interval.tv_nsec = kHoldBoundNanos;
    if (timer_settime(timer_, 0, &period, nullptr) != 0) return false;
    deadline_ = now();
    deadline_.tv_nsec += kHoldBoundNanos;
    if (deadline_.tv_nsec >= kNanosPerSecond) {
        deadline_.tv_sec += 1;
        deadline_.tv_nsec -= kNanosPerSecond;
    }
    armed_ = true;
    return true;
}

void HoldTimer::disarm() noexcept {
    if (!armed_) return;
    itimerspec off{};
    timer_settime(timer_, 0, &off, nullptr);
    armed_ = false;
}

bool HoldTimer::expired() const noexcept {
    const timespec time = now();
    return time.tv_sec > deadline_.tv_sec || (time.tv_sec == deadline_.tv_sec && time.tv_nsec >= deadline_.tv_nsec);
}

}  // namespace vmm4j
