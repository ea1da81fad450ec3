#include "run/exit_handler.h"

#include <algorithm>
#include <cstring>

#include "bus/java_device.h"
#include "bus/upcall.h"

namespace vmm4j {

bool ExitContext::flush_held() {
    BusDevice* device = held_;
    if (device == nullptr) return true;
    held_ = nullptr;
    return device->flush_output(*this);
}

Step report(ExitContext& context, ExitKind kind, ExitKind& out) noexcept {
    context.exit_info()[ExitInfo::kKind] = static_cast<int64_t>(kind);
    out = kind;
    return Step::Return;
}

namespace {
uint64_t load_le(const uint8_t* bytes, uint32_t size) noexcept {
    uint64_t value = 0;
    std::memcpy(&value, bytes, size);  // x86 is little-endian, as is the guest
    return value;
}
void store_le(uint8_t* bytes, uint32_t size, uint64_t value) noexcept { std::memcpy(bytes, &value, size); }
uint64_t all_ones(uint32_t size) noexcept { return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1; }

// Output held back by another device goes out before this exit is served.
bool flush_unless(ExitContext& context, const BusDevice* next) {
    return context.held() == nullptr || context.held() == next || context.flush_held();
}

Step handle_io(const RunArea& run, const IoBus& pio, ExitContext& context, RunMode mode, ExitKind& kind) {
    const kvm_run* state = run.state;
    int64_t* info = context.exit_info();
    const uint16_t port = state->io.port;
    const uint32_t size = state->io.size;
    const uint32_t count = state->io.count;
    const bool is_write = state->io.direction == KVM_EXIT_IO_OUT;
    // KVM places the data of all `count` repetitions in the kvm_run area; check it stays inside.
    if (size == 0 || size > 8 || state->io.data_offset > run.size ||
        static_cast<uint64_t>(size) * count > run.size - state->io.data_offset) {
        if (!context.flush_held()) return report(context, ExitKind::DeviceError, kind);
        info[ExitInfo::kReason] = KVM_EXIT_IO;
        return report(context, ExitKind::Unknown, kind);
    }
    uint8_t* data = reinterpret_cast<uint8_t*>(run.state) + state->io.data_offset;
    info[ExitInfo::kAddress] = port;
    info[ExitInfo::kSize] = size;
    info[ExitInfo::kCount] = count;
    info[ExitInfo::kData] = is_write && count > 0 ? static_cast<int64_t>(load_le(data, size)) : 0;

    const IoBus::Match match = pio.find(port, size);
    if (!flush_unless(context, match.device)) return report(context, ExitKind::DeviceError, kind);
    if (match.device == nullptr) {
        if (mode == RunMode::Manual) return report(context, is_write ? ExitKind::IoOut : ExitKind::IoIn, kind);
        if (!call_java(context, kUnclaimedPioKey, port, size, is_write, info[ExitInfo::kData], nullptr)) {
            return report(context, ExitKind::DeviceError, kind);
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
            ok = match.device->write(context, match.offset, size, load_le(item, size));
        } else {
            uint64_t value = 0;
            ok = match.device->read(context, match.offset, size, value);
            store_le(item, size, value);
        }
        if (!ok) return report(context, ExitKind::DeviceError, kind);
    }
    return Step::Continue;
}

Step handle_mmio(const RunArea& run, const IoBus& mmio, ExitContext& context, RunMode mode, ExitKind& kind) {
    kvm_run* state = run.state;
    int64_t* info = context.exit_info();
    const uint64_t address = state->mmio.phys_addr;
    const uint32_t size = state->mmio.len;
    const bool is_write = state->mmio.is_write != 0;
    if (size == 0 || size > sizeof state->mmio.data) {
        if (!context.flush_held()) return report(context, ExitKind::DeviceError, kind);
        info[ExitInfo::kReason] = KVM_EXIT_MMIO;
        return report(context, ExitKind::Unknown, kind);
    }
    info[ExitInfo::kAddress] = static_cast<int64_t>(address);
    info[ExitInfo::kSize] = size;
    info[ExitInfo::kCount] = 1;
    info[ExitInfo::kData] = is_write ? static_cast<int64_t>(load_le(state->mmio.data, size)) : 0;

    const IoBus::Match match = mmio.find(address, size);
    if (!flush_unless(context, match.device)) return report(context, ExitKind::DeviceError, kind);
    if (match.device == nullptr) {
        if (mode == RunMode::Manual) return report(context, is_write ? ExitKind::MmioWrite : ExitKind::MmioRead, kind);
        if (!call_java(context, kUnclaimedMmioKey, address, size, is_write, info[ExitInfo::kData], nullptr)) {
            return report(context, ExitKind::DeviceError, kind);
        }
        if (!is_write) store_le(state->mmio.data, size, all_ones(size));
        return Step::Continue;
    }
    bool ok;
    if (is_write) {
        ok = match.device->write(context, match.offset, size, info[ExitInfo::kData]);
    } else {
        uint64_t value = 0;
        ok = match.device->read(context, match.offset, size, value);
        store_le(state->mmio.data, size, value);
    }
    return ok ? Step::Continue : report(context, ExitKind::DeviceError, kind);
}
}  // namespace

Step handle_exit(const RunArea& run, const IoBus& pio, const IoBus& mmio, ExitContext& context, RunMode mode,
                 ExitKind& kind) {
    const kvm_run* state = run.state;
    int64_t* info = context.exit_info();
    switch (state->exit_reason) {
        case KVM_EXIT_IO: return handle_io(run, pio, context, mode, kind);
        case KVM_EXIT_MMIO: return handle_mmio(run, mmio, context, mode, kind);
        case KVM_EXIT_INTR: return Step::Continue;
        default: break;
    }
    // Everything else ends the run: what the guest wrote before comes first.
    if (!context.flush_held()) return report(context, ExitKind::DeviceError, kind);
    switch (state->exit_reason) {
        case KVM_EXIT_HLT: return report(context, ExitKind::Halt, kind);
        case KVM_EXIT_SHUTDOWN: return report(context, ExitKind::Shutdown, kind);
        case KVM_EXIT_SYSTEM_EVENT:
            info[ExitInfo::kReason] = state->system_event.type;
            switch (state->system_event.type) {
                case KVM_SYSTEM_EVENT_SHUTDOWN: return report(context, ExitKind::Shutdown, kind);
                case KVM_SYSTEM_EVENT_RESET: return report(context, ExitKind::SystemReset, kind);
                default: return report(context, ExitKind::SystemEventOther, kind);
            }
        case KVM_EXIT_INTERNAL_ERROR: {
            const uint32_t count = std::min<uint32_t>(state->internal.ndata, ExitInfo::kExtraDataSlots);
            info[ExitInfo::kReason] = state->internal.suberror;
            info[ExitInfo::kDataCount] = count;
            for (uint32_t i = 0; i < count; ++i) info[ExitInfo::kExtraData + i] = state->internal.data[i];
            return report(context, ExitKind::InternalError, kind);
        }
        case KVM_EXIT_FAIL_ENTRY:
            info[ExitInfo::kReason] = static_cast<int64_t>(state->fail_entry.hardware_entry_failure_reason);
            info[ExitInfo::kCpu] = state->fail_entry.cpu;
            return report(context, ExitKind::FailEntry, kind);
        default: info[ExitInfo::kReason] = state->exit_reason; return report(context, ExitKind::Unknown, kind);
    }
}

}  // namespace vmm4j
