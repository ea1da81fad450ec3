#include "snapshot/kvm_state.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "common/error.h"
#include "kvm/linux_kvm.h"
#include "run/vcpu.h"
#include "vm/machine.h"

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
    kClock = 5,  // kvm_clock_data, then the host's CLOCK_REALTIME in ns (u64)
};

constexpr uint32_t kMsrTscDeadline = 0x6e0;

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
    std::vector<uint8_t> take() { return std::move(out_); }

private:
    void put32(uint32_t value) {
        for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
    }
    std::vector<uint8_t> out_;
};

struct Record {
    uint32_t tag;
    const uint8_t* data;
    size_t length;
};

// Splits a blob into records; refuses a record that runs past the end or a tag seen twice.
std::vector<Record> parse(const char* what, const uint8_t* data, size_t length) {
    std::vector<Record> records;
    size_t offset = 0;
    while (offset < length) {
        if (length - offset < 8) throw_invalid(what, "truncated record header at byte " + std::to_string(offset));
        uint32_t tag, size;
        std::memcpy(&tag, data + offset, 4);
        std::memcpy(&size, data + offset + 4, 4);
        if (size > length - offset - 8) {
            throw_invalid(what, "record " + std::to_string(tag) + " at byte " + std::to_string(offset) + " claims " +
                                    std::to_string(size) + " bytes, past the end");
        }
        for (const Record& seen : records) {
            if (seen.tag == tag) throw_invalid(what, "record " + std::to_string(tag) + " appears twice");
        }
        records.push_back(Record{tag, data + offset + 8, size});
        offset += 8 + size;
    }
    return records;
}

const Record* find(const std::vector<Record>& records, uint32_t tag) {
    for (const Record& record : records) {
        if (record.tag == tag) return &record;
    }
    return nullptr;
}

template <typename T>
T fixed(const char* what, const char* name, const Record& record) {
    if (record.length != sizeof(T)) {
        throw_invalid(what, std::string(name) + " record has " + std::to_string(record.length) + " bytes, expected " +
                                std::to_string(sizeof(T)));
    }
    T value;
    std::memcpy(&value, record.data, sizeof(T));
    return value;
}

template <typename T>
T required(const char* what, const std::vector<Record>& records, uint32_t tag, const char* name) {
    const Record* record = find(records, tag);
    if (record == nullptr) throw_invalid(what, std::string("no ") + name + " record");
    return fixed<T>(what, name, *record);
}

template <typename T>
std::vector<T> array(const char* what, const char* name, const Record& record) {
    if (record.length % sizeof(T) != 0) {
        throw_invalid(what, std::string(name) + " record of " + std::to_string(record.length) +
                                " bytes is not a whole number of entries");
    }
    std::vector<T> entries(record.length / sizeof(T));
    if (!entries.empty()) std::memcpy(entries.data(), record.data, record.length);
    return entries;
}

// The MSRs of the save list that this vCPU's KVM_GET_MSRS accepts, with their values: KVM stops at
// the first it refuses (an MSR of a feature the host lacks), which is dropped before trying again.
std::vector<kvm_msr_entry> readable_msrs(const VcpuFd& fd, const std::vector<uint32_t>& indices) {
    std::vector<kvm_msr_entry> entries;
    for (uint32_t index : indices) {
        kvm_msr_entry entry{};
        entry.index = index;
        entries.push_back(entry);
    }
    std::vector<kvm_msr_entry> accepted;
    while (!entries.empty()) {
        const size_t count = fd.get_msrs(entries);
        accepted.insert(accepted.end(), entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(count));
        entries.erase(entries.begin(),
                      entries.begin() + static_cast<std::ptrdiff_t>(std::min(count + 1, entries.size())));
    }
    return accepted;
}

uint64_t realtime_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<uint64_t>(now.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(now.tv_nsec);
}

}  // namespace

std::vector<uint8_t> save_vcpu(const Machine& machine, const Vcpu& vcpu) {
    const VcpuFd& fd = vcpu.fd();
    // A managed vCPU did this as it parked; a manual one may have stopped right after an I/O exit.
    if (fd.complete_pending_io()) {
        throw CoreError(ErrorKind::State, "snapshot",
                        "vCPU " + std::to_string(vcpu.id()) +
                            " is in the middle of a string I/O instruction: run it on before a snapshot");
    }
    Writer out;
    out.add(kMpState, fd.get_mp_state());
    out.add(kRegs, fd.get_regs());
    out.add(kSregs, fd.get_sregs());
    if (machine.vm_fd().check_extension(KVM_CAP_XSAVE) > 0) {
        const int xsave2 = machine.vm_fd().check_extension(KVM_CAP_XSAVE2);
        const std::vector<uint8_t> area = fd.get_xsave(xsave2 > 0 ? static_cast<size_t>(xsave2) : 0);
        out.add(kXsave, area.data(), area.size());
    } else {
        out.add(kFpu, fd.get_fpu());
    }
    if (machine.vm_fd().check_extension(KVM_CAP_XCRS) > 0) out.add(kXcrs, fd.get_xcrs());
    out.add(kDebugRegs, fd.get_debugregs());
    if (machine.has_irqchip()) out.add(kLapic, fd.get_lapic());
    const std::vector<kvm_msr_entry> msrs = readable_msrs(fd, machine.msr_index_list());
    out.add(kMsrs, msrs.data(), msrs.size() * sizeof(kvm_msr_entry));
    const std::vector<kvm_cpuid_entry2> cpuid = fd.get_cpuid();
    out.add(kCpuid, cpuid.data(), cpuid.size() * sizeof(kvm_cpuid_entry2));
    out.add(kEvents, fd.get_vcpu_events());
    return out.take();
}

void restore_vcpu(const Vcpu& vcpu, const uint8_t* data, size_t length) {
    const std::string label = "vCPU " + std::to_string(vcpu.id()) + " state";
    const char* what = label.c_str();
    const std::vector<Record> records = parse(what, data, length);
    for (const Record& record : records) {
        if (record.tag < kMpState || record.tag > kCpuid) {
            throw_invalid(what, "unknown record " + std::to_string(record.tag));
        }
    }
    const VcpuFd& fd = vcpu.fd();
    if (const Record* cpuid = find(records, kCpuid)) fd.set_cpuid(array<kvm_cpuid_entry2>(what, "CPUID", *cpuid));
    fd.set_mp_state(required<kvm_mp_state>(what, records, kMpState, "MP state"));
    fd.set_regs(required<kvm_regs>(what, records, kRegs, "regs"));
    fd.set_sregs(required<kvm_sregs>(what, records, kSregs, "sregs"));
    if (const Record* xsave = find(records, kXsave)) {
        fd.set_xsave(std::vector<uint8_t>(xsave->data, xsave->data + xsave->length));
    } else {
        fd.set_fpu(required<kvm_fpu>(what, records, kFpu, "FPU"));
    }
    if (const Record* xcrs = find(records, kXcrs)) fd.set_xcrs(fixed<kvm_xcrs>(what, "XCRs", *xcrs));
    fd.set_debugregs(required<kvm_debugregs>(what, records, kDebugRegs, "debug registers"));
    if (const Record* lapic = find(records, kLapic)) fd.set_lapic(fixed<kvm_lapic_state>(what, "LAPIC", *lapic));
    if (const Record* msrs_record = find(records, kMsrs)) {
        std::vector<kvm_msr_entry> msrs = array<kvm_msr_entry>(what, "MSRs", *msrs_record);
        // The TSC deadline is relative to the TSC: set it after the TSC.
        std::stable_partition(msrs.begin(), msrs.end(),
                              [](const kvm_msr_entry& entry) { return entry.index != kMsrTscDeadline; });
        // KVM accepts in order and stops at the first it refuses. A zero there is the MSR's reset value,
        // which a feature this VM lacks refuses (the async-PF vector without an in-kernel LAPIC): skip it.
        size_t done = 0;
        while (done < msrs.size()) {
            const std::vector<kvm_msr_entry> rest(msrs.begin() + static_cast<std::ptrdiff_t>(done), msrs.end());
            done += fd.set_msrs(rest);
            if (done == msrs.size()) break;
            if (msrs[done].data != 0) {
                char index[16];
                snprintf(index, sizeof index, "0x%x", msrs[done].index);
                throw CoreError(ErrorKind::System, "KVM_SET_MSRS",
                                label + ": KVM refused MSR " + index + " = " + std::to_string(msrs[done].data));
            }
            ++done;
        }
    }
    fd.set_vcpu_events(required<kvm_vcpu_events>(what, records, kEvents, "vCPU events"));
}

std::vector<uint8_t> save_vm(const Machine& machine) {
    const VmFd& vm = machine.vm_fd();
    Writer out;
    if (machine.has_irqchip()) {
        out.add(kPicMaster, vm.get_irqchip(KVM_IRQCHIP_PIC_MASTER));
        out.add(kPicSlave, vm.get_irqchip(KVM_IRQCHIP_PIC_SLAVE));
        out.add(kIoapic, vm.get_irqchip(KVM_IRQCHIP_IOAPIC));
    }
    if (machine.has_pit()) out.add(kPit, vm.get_pit2());
    struct {
        kvm_clock_data clock;
        uint64_t host_realtime_ns;
    } clock{vm.get_clock(), realtime_ns()};
    out.add(kClock, clock);
    return out.take();
}

void restore_vm(const Machine& machine, const uint8_t* data, size_t length, bool advance_clock) {
    const char* what = "VM state";
    const std::vector<Record> records = parse(what, data, length);
    for (const Record& record : records) {
        if (record.tag < kPicMaster || record.tag > kClock) {
            throw_invalid(what, "unknown record " + std::to_string(record.tag));
        }
    }
    const bool saved_irqchip = find(records, kIoapic) != nullptr;
    if (saved_irqchip != machine.has_irqchip()) {
        throw_invalid(what, std::string("the snapshot was taken ") + (saved_irqchip ? "with" : "without") +
                                " the in-kernel irqchip, the new VM has " + (machine.has_irqchip() ? "one" : "none"));
    }
    if ((find(records, kPit) != nullptr) != machine.has_pit()) {
        throw_invalid(what, "the snapshot and the new VM disagree on the in-kernel PIT");
    }
    const VmFd& vm = machine.vm_fd();
    // Firecracker's order: PIT, clock, then the irqchip.
    if (const Record* pit = find(records, kPit)) vm.set_pit2(fixed<kvm_pit_state2>(what, "PIT", *pit));
    struct SavedClock {
        kvm_clock_data clock;
        uint64_t host_realtime_ns;
    };
    const SavedClock saved = required<SavedClock>(what, records, kClock, "clock");
    kvm_clock_data clock{};
    clock.clock = saved.clock.clock;
    if (advance_clock) {
        const uint64_t now = realtime_ns();
        if (now > saved.host_realtime_ns) clock.clock += now - saved.host_realtime_ns;
    }
    vm.set_clock(clock);
    if (saved_irqchip) {
        vm.set_irqchip(required<kvm_irqchip>(what, records, kPicMaster, "PIC master"));
        vm.set_irqchip(required<kvm_irqchip>(what, records, kPicSlave, "PIC slave"));
        vm.set_irqchip(required<kvm_irqchip>(what, records, kIoapic, "IOAPIC"));
    }
}

}  // namespace vmm4j::snapshot
