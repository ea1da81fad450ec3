#include "run/vcpu.h"

#include <csignal>
#include <cstring>

#include "bus/java_device.h"
#include "bus/upcall.h"
#include "common/error.h"
#include "run/kick.h"
#include "vm/machine.h"

namespace vmm4j {

// Publishes the calling thread as the one running this vCPU, for kick(), and counts it
// in the machine's run control. Only one thread may run a vCPU at a time.
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
        vcpu_.machine_.enter_run();
    }
    ~RunningThread() {
        vcpu_.machine_.leave_run();
        std::lock_guard<std::mutex> lock(vcpu_.thread_mutex_);
        vcpu_.running_ = false;
    }

private:
    Vcpu& vcpu_;
};

Vcpu::Vcpu(Machine& machine, uint32_t id, int32_t key, int fd, size_t run_mmap_size)
    : machine_(machine), id_(id), key_(key), fd_(fd, run_mmap_size) {
    install_kick_handler();
}

void Vcpu::kick() noexcept {
    std::lock_guard<std::mutex> lock(thread_mutex_);
    if (!running_) return;
    // immediate_exit covers a kick that lands just before the thread enters KVM_RUN.
    __atomic_store_n(&fd_.run_state()->immediate_exit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(thread_, kick_signal());
}

ExitKind Vcpu::run(RunMode mode) {
    RunningThread running(*this);
    kvm_run* state = fd_.run_state();
    ExitKind kind = ExitKind::Interrupted;
    for (;;) {
        __atomic_store_n(&state->immediate_exit, 0, __ATOMIC_SEQ_CST);
        if (machine_.stop_requested()) return report(ExitKind::Stopped, kind), kind;
        if (machine_.pause_requested()) {
            if (mode == RunMode::Manual) return report(ExitKind::Interrupted, kind), kind;
            // A snapshot may be taken while parked: finish the last I/O exit so RIP is past it.
            if (fd_.complete_pending_io()) {
                if (handle_exit(mode, kind) == Step::Return) return kind;
                continue;
            }
            machine_.park_while_paused();
            continue;
        }
        if (fd_.run() < 0) continue;  // EINTR or EAGAIN: re-check the control flags
        if (handle_exit(mode, kind) == Step::Return) return kind;
    }
}

Vcpu::Step Vcpu::report(ExitKind kind, ExitKind& out) noexcept {
    exit_info_[ExitInfo::kKind] = static_cast<int64_t>(kind);
    out = kind;
    return Step::Return;
}

Vcpu::Step Vcpu::handle_exit(RunMode mode, ExitKind& kind) {
    kvm_run* state = fd_.run_state();
    switch (state->exit_reason) {
        case KVM_EXIT_IO: return handle_io(mode, kind);
        case KVM_EXIT_MMIO: return handle_mmio(mode, kind);
        case KVM_EXIT_HLT: return report(ExitKind::Halt, kind);
        case KVM_EXIT_SHUTDOWN: return report(ExitKind::Shutdown, kind);
        case KVM_EXIT_INTR: return Step::Continue;
        case KVM_EXIT_SYSTEM_EVENT:
            exit_info_[ExitInfo::kReason] = state->system_event.type;
            switch (state->system_event.type) {
                case KVM_SYSTEM_EVENT_SHUTDOWN: return report(ExitKind::Shutdown, kind);
                case KVM_SYSTEM_EVENT_RESET: return report(ExitKind::SystemReset, kind);
                default: return report(ExitKind::SystemEventOther, kind);
            }
        case KVM_EXIT_INTERNAL_ERROR: {
            const uint32_t count = std::min<uint32_t>(state->internal.ndata, ExitInfo::kExtraDataSlots);
            exit_info_[ExitInfo::kReason] = state->internal.suberror;
            exit_info_[ExitInfo::kDataCount] = count;
            for (uint32_t i = 0; i < count; ++i) exit_info_[ExitInfo::kExtraData + i] = state->internal.data[i];
            return report(ExitKind::InternalError, kind);
        }
        case KVM_EXIT_FAIL_ENTRY:
            exit_info_[ExitInfo::kReason] = static_cast<int64_t>(state->fail_entry.hardware_entry_failure_reason);
            exit_info_[ExitInfo::kCpu] = state->fail_entry.cpu;
            return report(ExitKind::FailEntry, kind);
        default: exit_info_[ExitInfo::kReason] = state->exit_reason; return report(ExitKind::Unknown, kind);
    }
}

namespace {
uint64_t load_le(const uint8_t* bytes, uint32_t size) noexcept {
    uint64_t value = 0;
    std::memcpy(&value, bytes, size);  // x86 is little-endian, as is the guest
    return value;
}
void store_le(uint8_t* bytes, uint32_t size, uint64_t value) noexcept { std::memcpy(bytes, &value, size); }
uint64_t all_ones(uint32_t size) noexcept { return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1; }
}  // namespace

Vcpu::Step Vcpu::handle_io(RunMode mode, ExitKind& kind) {
    kvm_run* state = fd_.run_state();
    const uint16_t port = state->io.port;
    const uint32_t size = state->io.size;
    const uint32_t count = state->io.count;
    const bool is_write = state->io.direction == KVM_EXIT_IO_OUT;
    // KVM places the data of all `count` repetitions in the kvm_run page; check it stays inside.
    const uint64_t run_size = fd_.run_mapping_size();
    if (size == 0 || size > 8 || state->io.data_offset > run_size ||
        static_cast<uint64_t>(size) * count > run_size - state->io.data_offset) {
        exit_info_[ExitInfo::kReason] = KVM_EXIT_IO;
        return report(ExitKind::Unknown, kind);
    }
    uint8_t* data = reinterpret_cast<uint8_t*>(state) + state->io.data_offset;
    exit_info_[ExitInfo::kAddress] = port;
    exit_info_[ExitInfo::kSize] = size;
    exit_info_[ExitInfo::kCount] = count;
    exit_info_[ExitInfo::kData] = is_write ? static_cast<int64_t>(load_le(data, size)) : 0;

    const IoBus::Match match = machine_.pio_bus().find(port, size);
    if (match.device == nullptr) {
        if (mode == RunMode::Manual) return report(is_write ? ExitKind::IoOut : ExitKind::IoIn, kind);
        if (!call_java(*this, kUnclaimedPioKey, port, size, is_write, exit_info_[ExitInfo::kData], nullptr)) {
            return report(ExitKind::DeviceError, kind);
        }
        if (!is_write) {
            for (uint32_t i = 0; i < count; ++i) store_le(data + i * size, size, all_ones(size));
        }
        return Step::Continue;
    }
    for (uint32_t i = 0; i < count; ++i) {
        uint8_t* item = data + i * size;
        bool ok;
        if (is_write) {
            ok = match.device->write(*this, match.offset, size, load_le(item, size));
        } else {
            uint64_t value = 0;
            ok = match.device->read(*this, match.offset, size, value);
            store_le(item, size, value);
        }
        if (!ok) return report(ExitKind::DeviceError, kind);
    }
    return Step::Continue;
}

Vcpu::Step Vcpu::handle_mmio(RunMode mode, ExitKind& kind) {
    kvm_run* state = fd_.run_state();
    const uint64_t address = state->mmio.phys_addr;
    const uint32_t size = state->mmio.len;
    const bool is_write = state->mmio.is_write != 0;
    if (size == 0 || size > sizeof state->mmio.data) {
        exit_info_[ExitInfo::kReason] = KVM_EXIT_MMIO;
        return report(ExitKind::Unknown, kind);
    }
    exit_info_[ExitInfo::kAddress] = static_cast<int64_t>(address);
    exit_info_[ExitInfo::kSize] = size;
    exit_info_[ExitInfo::kCount] = 1;
    exit_info_[ExitInfo::kData] = is_write ? static_cast<int64_t>(load_le(state->mmio.data, size)) : 0;

    const IoBus::Match match = machine_.mmio_bus().find(address, size);
    if (match.device == nullptr) {
        if (mode == RunMode::Manual) return report(is_write ? ExitKind::MmioWrite : ExitKind::MmioRead, kind);
        if (!call_java(*this, kUnclaimedMmioKey, address, size, is_write, exit_info_[ExitInfo::kData], nullptr)) {
            return report(ExitKind::DeviceError, kind);
        }
        if (!is_write) store_le(state->mmio.data, size, all_ones(size));
        return Step::Continue;
    }
    bool ok;
    if (is_write) {
        ok = match.device->write(*this, match.offset, size, exit_info_[ExitInfo::kData]);
    } else {
        uint64_t value = 0;
        ok = match.device->read(*this, match.offset, size, value);
        store_le(state->mmio.data, size, value);
    }
    return ok ? Step::Continue : report(ExitKind::DeviceError, kind);
}

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
