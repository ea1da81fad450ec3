#include "virtio/io_thread.h"

#include <pthread.h>
#include <sys/epoll.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "common/error.h"

namespace vmm4j {

IoThread::IoThread(const std::vector<int>& cpus) : epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    check_cpus(cpus);
    if (!epoll_.valid()) throw_errno("epoll_create1", "virtio I/O thread");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = nullptr;  // the stop event
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, stop_.fd(), &event) < 0) throw_errno("epoll_ctl", "stop event");
    // Start with every signal blocked: the JVM's signals (and the vCPU kick) are not for us.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    try {
        thread_ = std::thread([this] { run(); });
    } catch (...) {
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        throw;
    }
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    pthread_setname_np(thread_.native_handle(), "vmm4j-virtio-io");
    if (cpus.empty()) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    std::string names;
    for (int cpu : cpus) {
        names += (names.empty() ? "" : ",") + std::to_string(cpu);
        CPU_SET(cpu, &set);
    }
    const int error = pthread_setaffinity_np(thread_.native_handle(), sizeof set, &set);
    if (error != 0) {
        stop();  // the destructor will not run
        errno = error;
        throw_errno("pthread_setaffinity_np", "virtio I/O thread on CPUs " + names);
    }
}

IoThread::~IoThread() { stop(); }

void IoThread::check_cpus(const std::vector<int>& cpus) {
    for (int cpu : cpus) {
        if (cpu < 0 || cpu >= CPU_SETSIZE) throw_invalid("set I/O thread CPUs", "no CPU " + std::to_string(cpu));
    }
}

void IoThread::stop() noexcept {
    stopping_.store(true);
    stop_.signal();
    if (thread_.joinable()) thread_.join();
}

void IoThread::watch(int fd, IoHandler& handler) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &handler;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) throw_errno("epoll_ctl", "virtio eventfd");
}

void IoThread::run() noexcept {
    constexpr int kBatch = 32;
    epoll_event events[kBatch];
    while (!stopping_.load()) {
        const int ready = ::epoll_wait(epoll_.get(), events, kBatch, -1);
        if (ready < 0) continue;  // EINTR
        for (int i = 0; i < ready && !stopping_.load(); ++i) {
            auto* handler = static_cast<IoHandler*>(events[i].data.ptr);
            if (handler != nullptr) handler->on_ready();
        }
    }
}

}  // namespace vmm4j
