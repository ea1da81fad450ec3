#pragma once

#include <atomic>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "kvm/event_fd.h"

namespace vmm4j {

// Something the I/O thread calls when its fd becomes readable. on_ready() must not throw and
// must not block for long: every device of the VM shares the thread.
class IoHandler {
public:
    virtual ~IoHandler() = default;
    virtual void on_ready() noexcept = 0;
};

// One epoll thread per VM, serving every virtio queue of it. Handlers are added while the VM
// is being built and stay until the thread is stopped; a handler must outlive the thread.
class IoThread {
public:
    // Starts the thread; on `cpus` when not empty (throws, naming the CPUs, if the kernel refuses).
    explicit IoThread(const std::vector<int>& cpus = {});
    // Throws InvalidArgument for a CPU no cpu_set_t can hold; lets callers refuse it up front.
    static void check_cpus(const std::vector<int>& cpus);
    ~IoThread();  // stops and joins it
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    void watch(int fd, IoHandler& handler);
    bool on_this_thread() const noexcept { return std::this_thread::get_id() == thread_.get_id(); }

private:
    void run() noexcept;
    void stop() noexcept;

    UniqueFd epoll_;
    EventFd stop_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace vmm4j
