#include "snapshot/kvm_state.h"

#include <time.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "common/error.h"
#include "kvm/linux_kvm.h"
#include "run/vcpu.h"
#include "snapshot/kvm_records.h"
#include "vm/machine.h"

namespace vmm4j::snapshot {

namespace {

constexpr uint32_t kMsrTscDeadline = 0x6e0;

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
    VcpuState state;
    state.mp_state = fd.get_mp_state();
    state.regs = fd.get_regs();
    state.sregs = fd.get_sregs();
    if (machine.vm_fd().check_extension(KVM_CAP_XSAVE) > 0) {
        const int xsave2 = machine.vm_fd().check_extension(KVM_CAP_XSAVE2);
        state.xsave = fd.get_xsave(xsave2 > 0 ? static_cast<size_t>(xsave2) : 0);
    } else {
        state.fpu = fd.get_fpu();
    }
    if (machine.vm_fd().check_extension(KVM_CAP_XCRS) > 0) state.xcrs = fd.get_xcrs();
    state.debugregs = fd.get_debugregs();
    if (machine.has_irqchip()) state.lapic = fd.get_lapic();
    state.msrs = readable_msrs(fd, machine.msr_index_list());
    state.cpuid = fd.get_cpuid();
    state.events = fd.get_vcpu_events();  // last, as Firecracker does
    return encode_vcpu(state);
}

void restore_vcpu(const Machine& machine, const Vcpu& vcpu, const uint8_t* data, size_t length) {
    const std::string label = "vCPU " + std::to_string(vcpu.id()) + " state";
    // Every record is checked before the first ioctl.
    VcpuState state = decode_vcpu(label.c_str(), data, length);
    const VcpuFd& fd = vcpu.fd();
    if (state.cpuid) fd.set_cpuid(*state.cpuid);
    fd.set_mp_state(state.mp_state);
    fd.set_regs(state.regs);
    fd.set_sregs(state.sregs);
    if (!state.xsave.empty()) {
        // KVM_SET_XSAVE reads as many bytes as this host's XSAVE area (KVM_CAP_XSAVE2), which exceeds a
        // record saved where AMX was off: pad with zeros (components absent from XSTATE_BV) so it never reads past.
        const int xsave2 = machine.vm_fd().check_extension(KVM_CAP_XSAVE2);
        if (xsave2 > 0 && state.xsave.size() < static_cast<size_t>(xsave2)) state.xsave.resize(xsave2, 0);
        fd.set_xsave(state.xsave);
    } else {
        fd.set_fpu(state.fpu);
    }
    if (state.xcrs) fd.set_xcrs(*state.xcrs);
    fd.set_debugregs(state.debugregs);
    if (state.lapic) fd.set_lapic(*state.lapic);
    if (state.msrs) {
        std::vector<kvm_msr_entry>& msrs = *state.msrs;
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
    fd.set_vcpu_events(state.events);
}

std::vector<uint8_t> save_vm(const Machine& machine) {
    const VmFd& vm = machine.vm_fd();
    VmState state;
    if (machine.has_irqchip()) {
        state.pic_master = vm.get_irqchip(KVM_IRQCHIP_PIC_MASTER);
        state.pic_slave = vm.get_irqchip(KVM_IRQCHIP_PIC_SLAVE);
        state.ioapic = vm.get_irqchip(KVM_IRQCHIP_IOAPIC);
    }
    if (machine.has_pit()) state.pit = vm.get_pit2();
    state.clock = SavedClock{vm.get_clock(), realtime_ns()};
    return encode_vm(state);
}

void restore_vm(const Machine& machine, const uint8_t* data, size_t length, bool advance_clock) {
    const char* what = "VM state";
    const VmState state = decode_vm(what, data, length);
    const bool saved_irqchip = state.ioapic.has_value();
    if (saved_irqchip != machine.has_irqchip()) {
        throw_invalid(what, std::string("the snapshot was taken ") + (saved_irqchip ? "with" : "without") +
                                " the in-kernel irqchip, the new VM has " + (machine.has_irqchip() ? "one" : "none"));
    }
    if (state.pit.has_value() != machine.has_pit()) {
        throw_invalid(what, "the snapshot and the new VM disagree on the in-kernel PIT");
    }
    const VmFd& vm = machine.vm_fd();
    // Firecracker's order: PIT, clock, then the irqchip.
    if (state.pit) vm.set_pit2(*state.pit);
    kvm_clock_data clock{};
    clock.clock = state.clock.clock.clock;
    if (advance_clock) {
        const uint64_t now = realtime_ns();
        if (now > state.clock.host_realtime_ns) clock.clock += now - state.clock.host_realtime_ns;
    }
    vm.set_clock(clock);
    if (saved_irqchip) {
        vm.set_irqchip(*state.pic_master);
        vm.set_irqchip(*state.pic_slave);
        vm.set_irqchip(*state.ioapic);
    }
}

}  // namespace vmm4j::snapshot
