#pragma once

#include <pthread.h>

#include <cstdint>
#include <mutex>

#include "kvm/vcpu_fd.h"
#include "run/exit_info.h"

namespace vmm4j {

class Machine;

enum class RunMode : int32_t {
    // Exits claimed by a bus device are handled inline; anything else returns to the caller.
    Manual = 0,
    // Unclaimed port and MMIO accesses are absorbed (writes dropped, reads all ones) and
    // reported to Java once; pause parks the thread inside the loop.
    Managed = 1,
};

// One vCPU: its fd, its kvm_run page, and the run loop that stays in C++ until an exit
// needs the caller.
class Vcpu {
public:
    Vcpu(Machine& machine, uint32_t id, int32_t key, int fd, size_t run_mmap_size);

    ExitKind run(RunMode mode);
    // Makes a run() in progress on another thread return to its loop head promptly.
    void kick() noexcept;

    // Completes a pending unclaimed IoIn or MmioRead exit before the next run().
    void set_io_in_result(uint64_t value);
    void set_mmio_read_result(uint64_t value);

    const VcpuFd& fd() const noexcept { return fd_; }
    const Machine& machine() const noexcept { return machine_; }
    uint32_t id() const noexcept { return id_; }
    int32_t key() const noexcept { return key_; }
    int64_t* exit_info() noexcept { return exit_info_; }

private:
    enum class Step { Continue, Return };
    Step handle_exit(RunMode mode, ExitKind& kind);
    Step handle_io(RunMode mode, ExitKind& kind);
    Step handle_mmio(RunMode mode, ExitKind& kind);
    Step report(ExitKind kind, ExitKind& out) noexcept;

    class RunningThread;  // RAII: publishes the running thread for kick()

    Machine& machine_;
    uint32_t id_;
    int32_t key_;
    VcpuFd fd_;
    std::mutex thread_mutex_;
    pthread_t thread_{};
    bool running_ = false;
    int64_t exit_info_[ExitInfo::kSlots] = {};
};

}  // namespace vmm4j
