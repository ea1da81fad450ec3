#include "kvm/vcpu_fd.h"

#include <sys/mman.h>

#include <algorithm>

#include "kvm/ioctl.h"

namespace vmm4j {

VcpuFd::VcpuFd(int fd, size_t run_mmap_size) : fd_(fd) {
    void* address = ::mmap(nullptr, run_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (address == MAP_FAILED) throw_errno("mmap", "kvm_run page of vCPU fd " + std::to_string(fd));
    run_mapping_ = Mapping(address, run_mmap_size);
}

int VcpuFd::run() const {
    if (::ioctl(fd_.get(), KVM_RUN, 0) == 0) return 0;
    if (errno == EINTR || errno == EAGAIN) return -errno;
    throw_errno("KVM_RUN");
}

kvm_regs VcpuFd::get_regs() const {
    kvm_regs regs{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_REGS, &regs);
    return regs;
}

void VcpuFd::set_regs(const kvm_regs& regs) const { VMM4J_IOCTL(fd_.get(), KVM_SET_REGS, &regs); }

kvm_sregs VcpuFd::get_sregs() const {
    kvm_sregs sregs{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_SREGS, &sregs);
    return sregs;
}

void VcpuFd::set_sregs(const kvm_sregs& sregs) const { VMM4J_IOCTL(fd_.get(), KVM_SET_SREGS, &sregs); }

void VcpuFd::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const {
    std::vector<uint8_t> buffer(sizeof(kvm_cpuid2) + entries.size() * sizeof(kvm_cpuid_entry2));
    auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
    cpuid->nent = static_cast<uint32_t>(entries.size());
    std::copy(entries.begin(), entries.end(), cpuid->entries);
    VMM4J_IOCTL(fd_.get(), KVM_SET_CPUID2, cpuid);
}

namespace {
std::vector<uint8_t> msr_buffer(const std::vector<kvm_msr_entry>& entries) {
    std::vector<uint8_t> buffer(sizeof(kvm_msrs) + entries.size() * sizeof(kvm_msr_entry));
    auto* msrs = reinterpret_cast<kvm_msrs*>(buffer.data());
    msrs->nmsrs = static_cast<uint32_t>(entries.size());
    std::copy(entries.begin(), entries.end(), msrs->entries);
    return buffer;
}
}  // namespace

size_t VcpuFd::set_msrs(const std::vector<kvm_msr_entry>& entries) const {
    std::vector<uint8_t> buffer = msr_buffer(entries);
    return static_cast<size_t>(VMM4J_IOCTL(fd_.get(), KVM_SET_MSRS, buffer.data()));
}

size_t VcpuFd::get_msrs(std::vector<kvm_msr_entry>& entries) const {
    std::vector<uint8_t> buffer = msr_buffer(entries);
    const auto count = static_cast<size_t>(VMM4J_IOCTL(fd_.get(), KVM_GET_MSRS, buffer.data()));
    const auto* msrs = reinterpret_cast<const kvm_msrs*>(buffer.data());
    std::copy(msrs->entries, msrs->entries + entries.size(), entries.begin());
    return count;
}

kvm_translation VcpuFd::translate(uint64_t linear_address) const {
    kvm_translation translation{};
    translation.linear_address = linear_address;
    VMM4J_IOCTL(fd_.get(), KVM_TRANSLATE, &translation);
    return translation;
}

void VcpuFd::set_fpu(const kvm_fpu& fpu) const { VMM4J_IOCTL(fd_.get(), KVM_SET_FPU, &fpu); }

void VcpuFd::set_xcr0(uint64_t value) const {
    kvm_xcrs xcrs{};
    xcrs.nr_xcrs = 1;
    xcrs.xcrs[0].xcr = 0;
    xcrs.xcrs[0].value = value;
    VMM4J_IOCTL(fd_.get(), KVM_SET_XCRS, &xcrs);
}

kvm_lapic_state VcpuFd::get_lapic() const {
    kvm_lapic_state lapic{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_LAPIC, &lapic);
    return lapic;
}

void VcpuFd::set_lapic(const kvm_lapic_state& lapic) const { VMM4J_IOCTL(fd_.get(), KVM_SET_LAPIC, &lapic); }

std::vector<kvm_cpuid_entry2> VcpuFd::get_cpuid() const {
    for (size_t capacity = 64; capacity <= 4096; capacity *= 2) {
        std::vector<uint8_t> buffer(sizeof(kvm_cpuid2) + capacity * sizeof(kvm_cpuid_entry2));
        auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
        cpuid->nent = static_cast<uint32_t>(capacity);
        if (::ioctl(fd_.get(), KVM_GET_CPUID2, cpuid) == 0) return {cpuid->entries, cpuid->entries + cpuid->nent};
        if (errno != E2BIG) throw_errno("KVM_GET_CPUID2");
    }
    throw CoreError(ErrorKind::System, "KVM_GET_CPUID2", "more than 4096 entries");
}

kvm_fpu VcpuFd::get_fpu() const {
    kvm_fpu fpu{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_FPU, &fpu);
    return fpu;
}

std::vector<uint8_t> VcpuFd::get_xsave(size_t size) const {
    std::vector<uint8_t> area(std::max(size, sizeof(kvm_xsave)));
    if (area.size() > sizeof(kvm_xsave)) {
        VMM4J_IOCTL(fd_.get(), KVM_GET_XSAVE2, area.data());
    } else {
        VMM4J_IOCTL(fd_.get(), KVM_GET_XSAVE, area.data());
    }
    return area;
}

void VcpuFd::set_xsave(const std::vector<uint8_t>& area) const {
    if (area.size() < sizeof(kvm_xsave)) {
        throw_invalid("KVM_SET_XSAVE", "area of " + std::to_string(area.size()) + " bytes, at least 4096 needed");
    }
    VMM4J_IOCTL(fd_.get(), KVM_SET_XSAVE, area.data());  // KVM reads as much as KVM_CAP_XSAVE2 says
}

kvm_xcrs VcpuFd::get_xcrs() const {
    kvm_xcrs xcrs{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_XCRS, &xcrs);
    return xcrs;
}

void VcpuFd::set_xcrs(const kvm_xcrs& xcrs) const { VMM4J_IOCTL(fd_.get(), KVM_SET_XCRS, &xcrs); }

kvm_debugregs VcpuFd::get_debugregs() const {
    kvm_debugregs debugregs{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_DEBUGREGS, &debugregs);
    return debugregs;
}

void VcpuFd::set_debugregs(const kvm_debugregs& debugregs) const {
    VMM4J_IOCTL(fd_.get(), KVM_SET_DEBUGREGS, &debugregs);
}

kvm_vcpu_events VcpuFd::get_vcpu_events() const {
    kvm_vcpu_events events{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_VCPU_EVENTS, &events);
    return events;
}

void VcpuFd::set_vcpu_events(const kvm_vcpu_events& events) const {
    VMM4J_IOCTL(fd_.get(), KVM_SET_VCPU_EVENTS, &events);
}

kvm_mp_state VcpuFd::get_mp_state() const {
    kvm_mp_state state{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_MP_STATE, &state);
    return state;
}

void VcpuFd::set_mp_state(const kvm_mp_state& state) const { VMM4J_IOCTL(fd_.get(), KVM_SET_MP_STATE, &state); }

bool VcpuFd::kvmclock_ctrl() const {
    if (::ioctl(fd_.get(), KVM_KVMCLOCK_CTRL, 0) == 0) return true;
    if (errno == EINVAL) return false;
    throw_errno("KVM_KVMCLOCK_CTRL");
}

bool VcpuFd::complete_pending_io() const {
    kvm_run* state = run_state();
    __atomic_store_n(&state->immediate_exit, 1, __ATOMIC_SEQ_CST);
    const int result = ::ioctl(fd_.get(), KVM_RUN, 0);
    const int error = errno;
    __atomic_store_n(&state->immediate_exit, 0, __ATOMIC_SEQ_CST);
    if (result < 0 && error != EINTR && error != EAGAIN) {
        errno = error;
        throw_errno("KVM_RUN", "completing a pending I/O exit");
    }
    return result == 0;
}

}  // namespace vmm4j
