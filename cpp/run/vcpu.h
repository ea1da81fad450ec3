#pragma once

#include <pthread.h>

#include <cstdint>
#include <mutex>

#include "bus/io_bus.h"
#include "kvm/vcpu_fd.h"
#include "run/exit_handler.h"
#include "run/exit_info.h"
#include "run/run_control.h"

namespace vmm4j {

// One vCPU: its fd, its kvm_run page, and the run loop that stays in C++ until an exit
// needs the caller. Exits are served by handle_exit() (run/exit_handler.h); pause and stop
// come from the VM's RunControl.
class Vcpu final : public Kickable {
public:
    Vcpu(RunControl& control, const IoBus& pio, const IoBus& mmio, uint32_t id, int32_t key, int fd,
         size_t run_mmap_size);

    ExitKind run(RunMode mode);
    // Makes a run() in progress on another thread return to its loop head promptly.
    void kick() noexcept override;

    // Completes a pending unclaimed IoIn or MmioRead exit before the next run().
    void set_io_in_result(uint64_t value);
    void set_mmio_read_result(uint64_t value);

    const VcpuFd& fd() const noexcept { return fd_; }
    uint32_t id() const noexcept { return id_; }
    int32_t key() const noexcept { return key_; }
    int64_t* exit_info() noexcept { return exit_info_; }
    ExitContext& exit_context() noexcept { return context_; }

private:
    ExitKind run_loop(RunMode mode);

    class RunningThread;  // RAII: publishes the running thread for kick()

    RunControl& control_;
    const IoBus& pio_;
    const IoBus& mmio_;
    uint32_t id_;
    int32_t key_;
    VcpuFd fd_;
    std::mutex thread_mutex_;
    pthread_t thread_{};
    bool running_ = false;
    int64_t exit_info_[ExitInfo::kSlots] = {};
    ExitContext context_{key_, exit_info_};
};

}  // namespace vmm4j
