#include "snapshot/kvm_records.h"

#include <cstring>
#include <string>

#include "common/error.h"

namespace vmm4j::snapshot {

namespace {

enum VcpuTag : uint32_t {
    kMpState = 1,
    kRegs = 2,
    kSregs = 3,
    kXsave = 4,
    kFpu = 5,  // hosts without KVM_CAP_XSAVE
    kXcrs = 6,
    kDebugRegs = 7,
    kLapic = 8,
    kMsrs = 9,  // kvm_msr_entry array
    kEvents = 10,
    kCpuid = 11,  // kvm_cpuid_entry2 array
};

enum VmTag : uint32_t {
    kPicMaster = 1,
    kPicSlave = 2,
    kIoapic = 3,
    kPit = 4,
    kClock = 5,  // SavedClock
};

class Writer {
public:
    void add(uint32_t tag, const void* data, size_t length) {
        put32(tag);
        put32(static_cast<uint32_t>(length));
        const auto* bytes = static_cast<const uint8_t*>(data);
        out_.insert(out_.end(), bytes, bytes + length);
    }
    template <typename T>
    void add(uint32_t tag, const T& value) {
        add(tag, &value, sizeof value);
    }
    template <typename T>
    void add_array(uint32_t tag, const std::vector<T>& entries) {
        add(tag, entries.data(), entries.size() * sizeof(T));
    }
    std::vector<uint8_t> take() { return std::move(out_); }

private:
    void put32(uint32_t value) {
        for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
    }
    std::vector<uint8_t> out_;
};

struct Record {
    uint32_t tag;
    size_t offset;  // of the record's header in the blob
    const uint8_t* data;
    size_t length;
};

// Reads the records of one blob, by tag. Refuses a record that runs past the end, a tag seen twice and a
// tag outside [1, last_tag].
class Records {
public:
    Records(const char* what, const uint8_t* data, size_t length, uint32_t last_tag) : what_(what) {
        size_t offset = 0;
        while (offset < length) {
            if (length - offset < 8)
                fail(offset, "a truncated record header (" + std::to_string(length - offset) + " bytes)");
            uint32_t tag, size;
            std::memcpy(&tag, data + offset, 4);
            std::memcpy(&size, data + offset + 4, 4);
            if (tag < 1 || tag > last_tag) fail(offset, "an unknown record tag " + std::to_string(tag));
            if (size > length - offset - 8) {
                fail(offset, "record " + std::to_string(tag) + " claims " + std::to_string(size) + " bytes, " +
                                 std::to_string(length - offset - 8) + " are left");
            }
            if (by_tag_[tag].data != nullptr) {
                fail(offset, "record " + std::to_string(tag) + " again (first at byte " +
                                 std::to_string(by_tag_[tag].offset) + ")");
            }
            by_tag_[tag] = Record{tag, offset, data + offset + 8, size};
            offset += 8 + size;
        }
    }

    const Record* find(uint32_t tag) const { return by_tag_[tag].data != nullptr ? &by_tag_[tag] : nullptr; }

    template <typename T>
    T fixed(const Record& record, const char* name) const {
        if (record.length != sizeof(T)) {
            fail(record.offset, std::string("the ") + name + " record has " + std::to_string(record.length) +
                                    " bytes, expected " + std::to_string(sizeof(T)));
        }
        T value;
        std::memcpy(&value, record.data, sizeof(T));
        return value;
    }

    template <typename T>
    std::optional<T> optional(uint32_t tag, const char* name) const {
        const Record* record = find(tag);
        if (record == nullptr) return std::nullopt;
        return fixed<T>(*record, name);
    }

    template <typename T>
    T required(uint32_t tag, const char* name) const {
        const Record* record = find(tag);
        if (record == nullptr) throw_invalid(what_, std::string("no ") + name + " record");
        return fixed<T>(*record, name);
    }

    template <typename T>
    std::optional<std::vector<T>> array(uint32_t tag, const char* name, size_t max_entries) const {
        const Record* record = find(tag);
        if (record == nullptr) return std::nullopt;
        if (record->length % sizeof(T) != 0) {
            fail(record->offset, std::string("the ") + name + " record of " + std::to_string(record->length) +
                                     " bytes is not a whole number of " + std::to_string(sizeof(T)) + "-byte entries");
        }
        // Bounded before allocating: the length came from the file.
        if (record->length / sizeof(T) > max_entries) {
            fail(record->offset, std::string("the ") + name + " record has " +
                                     std::to_string(record->length / sizeof(T)) + " entries, KVM takes at most " +
                                     std::to_string(max_entries));
        }
        std::vector<T> entries(record->length / sizeof(T));
        if (!entries.empty()) std::memcpy(entries.data(), record->data, record->length);
        return entries;
    }

    [[noreturn]] void fail(size_t offset, const std::string& detail) const {
        throw_invalid(what_, detail + " at byte " + std::to_string(offset));
    }

private:
    const char* what_;
    Record by_tag_[16]{};  // tags are 1..15 at most
};

}  // namespace

std::vector<uint8_t> encode_vcpu(const VcpuState& state) {
    Writer out;
    out.add(kMpState, state.mp_state);
    out.add(kRegs, state.regs);
    out.add(kSregs, state.sregs);
    if (!state.xsave.empty()) {
        out.add(kXsave, state.xsave.data(), state.xsave.size());
    } else {
        out.add(kFpu, state.fpu);
    }
    if (state.xcrs) out.add(kXcrs, *state.xcrs);
    out.add(kDebugRegs, state.debugregs);
    if (state.lapic) out.add(kLapic, *state.lapic);
    if (state.msrs) out.add_array(kMsrs, *state.msrs);
    if (state.cpuid) out.add_array(kCpuid, *state.cpuid);
    out.add(kEvents, state.events);
    return out.take();
}

VcpuState decode_vcpu(const char* what, const uint8_t* data, size_t length) {
    static_assert(kCpuid < 16);
    const Records records(what, data, length, kCpuid);
    VcpuState state;
    state.mp_state = records.required<kvm_mp_state>(kMpState, "MP state");
    state.regs = records.required<kvm_regs>(kRegs, "regs");
    state.sregs = records.required<kvm_sregs>(kSregs, "sregs");
    const Record* xsave = records.find(kXsave);
    const Record* fpu = records.find(kFpu);
    if (xsave != nullptr && fpu != nullptr) records.fail(fpu->offset, "an FPU record next to the XSAVE record");
    if (xsave != nullptr) {
        // KVM_SET_XSAVE reads at least a whole struct kvm_xsave from the buffer.
        if (xsave->length < sizeof(kvm_xsave) || xsave->length > kMaxXsaveBytes) {
            records.fail(xsave->offset, "the XSAVE record has " + std::to_string(xsave->length) + " bytes, expected " +
                                            std::to_string(sizeof(kvm_xsave)) + " to " +
                                            std::to_string(kMaxXsaveBytes));
        }
        state.xsave.assign(xsave->data, xsave->data + xsave->length);
    } else {
        state.fpu = records.required<kvm_fpu>(kFpu, "FPU");
    }
    state.xcrs = records.optional<kvm_xcrs>(kXcrs, "XCRs");
    if (state.xcrs && state.xcrs->nr_xcrs > KVM_MAX_XCRS) {
        records.fail(records.find(kXcrs)->offset, "the XCRs record counts " + std::to_string(state.xcrs->nr_xcrs) +
                                                      " registers, at most " + std::to_string(KVM_MAX_XCRS) + " fit");
    }
    state.debugregs = records.required<kvm_debugregs>(kDebugRegs, "debug registers");
    state.lapic = records.optional<kvm_lapic_state>(kLapic, "LAPIC");
    state.msrs = records.array<kvm_msr_entry>(kMsrs, "MSRs", kMaxMsrs);
    state.cpuid = records.array<kvm_cpuid_entry2>(kCpuid, "CPUID", kMaxCpuidEntries);
    state.events = records.required<kvm_vcpu_events>(kEvents, "vCPU events");
    return state;
}

std::vector<uint8_t> encode_vm(const VmState& state) {
    Writer out;
    if (state.pic_master) out.add(kPicMaster, *state.pic_master);
    if (state.pic_slave) out.add(kPicSlave, *state.pic_slave);
    if (state.ioapic) out.add(kIoapic, *state.ioapic);
    if (state.pit) out.add(kPit, *state.pit);
    out.add(kClock, state.clock);
    return out.take();
}

VmState decode_vm(const char* what, const uint8_t* data, size_t length) {
    const Records records(what, data, length, kClock);
    VmState state;
    const struct {
        uint32_t tag;
        uint32_t chip_id;
        const char* name;
        std::optional<kvm_irqchip> VmState::*field;
    } chips[] = {
        {kPicMaster, KVM_IRQCHIP_PIC_MASTER, "PIC master", &VmState::pic_master},
        {kPicSlave, KVM_IRQCHIP_PIC_SLAVE, "PIC slave", &VmState::pic_slave},
        {kIoapic, KVM_IRQCHIP_IOAPIC, "IOAPIC", &VmState::ioapic},
    };
    size_t present = 0;
    for (const auto& chip : chips) {
        std::optional<kvm_irqchip> value = records.optional<kvm_irqchip>(chip.tag, chip.name);
        if (!value) continue;
        ++present;
        // KVM_SET_IRQCHIP sets the chip the struct names: a PIC record must not overwrite the IOAPIC.
        if (value->chip_id != chip.chip_id) {
            records.fail(records.find(chip.tag)->offset + 8 + offsetof(kvm_irqchip, chip_id),
                         std::string("the ") + chip.name + " record names chip " + std::to_string(value->chip_id) +
                             ", expected " + std::to_string(chip.chip_id));
        }
        state.*chip.field = value;
    }
    if (present != 0 && present != 3) {
        throw_invalid(what, "the irqchip is saved in " + std::to_string(present) +
                                " of its 3 records (both PICs and the IOAPIC)");
    }
    state.pit = records.optional<kvm_pit_state2>(kPit, "PIT");
    state.clock = records.required<SavedClock>(kClock, "clock");
    return state;
}

}  // namespace vmm4j::snapshot
