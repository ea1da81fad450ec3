#include "run/kick.h"

#include <csignal>
#include <mutex>

#include "common/error.h"

namespace vmm4j {

namespace {
void ignore_kick(int) {}
}  // namespace

int kick_signal() noexcept { return SIGRTMIN + 3; }

void install_kick_handler() {
    static std::once_flag once;
    static int failed_errno = 0;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = ignore_kick;
        action.sa_flags = SA_RESTART;  // other syscalls restart; KVM_RUN still returns EINTR
        sigemptyset(&action.sa_mask);
        if (sigaction(kick_signal(), &action, nullptr) != 0) failed_errno = errno;
    });
    if (failed_errno != 0) {
        errno = failed_errno;
        throw_errno("sigaction", "kick signal SIGRTMIN+3");
    }
}

void unblock_kick_signal() noexcept {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kick_signal());
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace vmm4j
