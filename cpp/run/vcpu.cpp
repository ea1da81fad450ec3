#include "run/vcpu.h"

#include <csignal>
#include <cstring>

#include "common/error.h"
#include "run/hold_timer.h"
#include "run/kick.h"

namespace vmm4j {

// Publishes the calling thread as the one running this vCPU, for kick(), and counts it
// in the VM's run control. Only one thread may run a vCPU at a time.
class Vcpu::RunningThread {
public:
    explicit RunningThread(Vcpu& vcpu) : vcpu_(vcpu) {
        {
            std::lock_guard<std::mutex> lock(vcpu_.thread_mutex_);
            if (vcpu_.running_) {
                throw CoreError(ErrorKind::State, "KVM_RUN",
                                "vCPU " + std::to_string(vcpu_.id_) + " is already running on another thread");
            }
            vcpu_.running_ = true;
            vcpu_.thread_ = pthread_self();
        }
        unblock_kick_signal();
        vcpu_.control_.enter_run();
    }
    ~RunningThread() {
        vcpu_.control_.leave_run();
        std::lock_guard<std::mutex> lock(vcpu_.thread_mutex_);
        vcpu_.running_ = false;
    }

private:
    Vcpu& vcpu_;
};

Vcpu::Vcpu(RunControl& control, const IoBus& pio, const IoBus& mmio, uint32_t id, int32_t key, int fd,
           size_t run_mmap_size)
    : control_(control), pio_(pio), mmio_(mmio), id_(id), key_(key), fd_(fd, run_mmap_size) {
    install_kick_handler();
    control_.add(*this);
}

void Vcpu::kick() noexcept {
    std::lock_guard<std::mutex> lock(thread_mutex_);
    if (!running_) return;
    // immediate_exit covers a kick that lands just before the thread enters KVM_RUN.
    __atomic_store_n(&fd_.run_state()->immediate_exit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(thread_, kick_signal());
}

ExitKind Vcpu::run(RunMode mode) {
    try {
        return run_loop(mode);
    } catch (...) {
        context_.flush_held();  // a failed KVM_RUN loses no output the guest wrote before it
        throw;
    }
}

ExitKind Vcpu::run_loop(RunMode mode) {
    RunningThread running(*this);
    HoldTimer hold_timer;
    kvm_run* state = fd_.run_state();
    const RunArea area{state, fd_.run_mapping_size()};
    ExitKind kind = ExitKind::Interrupted;
    // Output a device holds back leaves before the run returns, whatever the reason.
    auto finish = [&](ExitKind outcome) {
        if (!context_.flush_held() && outcome != ExitKind::Stopped) outcome = ExitKind::DeviceError;
        report(context_, outcome, kind);
        return kind;
    };
    for (;;) {
        __atomic_store_n(&state->immediate_exit, 0, __ATOMIC_SEQ_CST);
        if (control_.stop_requested()) return finish(ExitKind::Stopped);
        if (control_.pause_requested()) {
            if (mode == RunMode::Manual) return finish(ExitKind::Interrupted);
            if (!context_.flush_held()) return finish(ExitKind::DeviceError);
            hold_timer.disarm();
            control_.park_while_paused();
            continue;
        }
        if (hold_timer.armed() && hold_timer.expired()) {
            if (!context_.flush_held()) return finish(ExitKind::DeviceError);
            hold_timer.disarm();
        }
        if (fd_.run() < 0) continue;  // EINTR or EAGAIN: re-check the control flags and the hold bound
        if (handle_exit(area, pio_, mmio_, context_, mode, kind) == Step::Return) return finish(kind);
        if (context_.held() == nullptr) {
            hold_timer.disarm();
        } else if (!hold_timer.armed() && !hold_timer.arm() && !context_.flush_held()) {
            return finish(ExitKind::DeviceError);  // no timer: no batching
        }
    }
}

namespace {
void store_le(uint8_t* bytes, uint32_t size, uint64_t value) noexcept { std::memcpy(bytes, &value, size); }
}  // namespace

void Vcpu::set_io_in_result(uint64_t value) {
    kvm_run* state = fd_.run_state();
    if (state->exit_reason != KVM_EXIT_IO || state->io.direction != KVM_EXIT_IO_IN) {
        throw CoreError(ErrorKind::State, "set I/O result", "the last exit was not a port read");
    }
    uint8_t* data = reinterpret_cast<uint8_t*>(state) + state->io.data_offset;
    for (uint32_t i = 0; i < state->io.count; ++i) store_le(data + i * state->io.size, state->io.size, value);
}

void Vcpu::set_mmio_read_result(uint64_t value) {
    kvm_run* state = fd_.run_state();
    if (state->exit_reason != KVM_EXIT_MMIO || state->mmio.is_write) {
        throw CoreError(ErrorKind::State, "set MMIO result", "the last exit was not an MMIO read");
    }
    store_le(state->mmio.data, state->mmio.len, value);
}

}  // namespace vmm4j
