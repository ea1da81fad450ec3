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

void VcpuFd::set_regs(const kvm_regs& regs) const {
    VMM4J_IOCTL(fd_.get(), KVM_SET_REGS, &regs);
}

kvm_sregs VcpuFd::get_sregs() const {
    kvm_sregs sregs{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_SREGS, &sregs);
    return sregs;
}

void VcpuFd::set_sregs(const kvm_sregs& sregs) const {
    VMM4J_IOCTL(fd_.get(), KVM_SET_SREGS, &sregs);
}

void VcpuFd::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const {
    std::vector<uint8_t> buffer(sizeof(kvm_cpuid2) + entries.size() * sizeof(kvm_cpuid_entry2));
    auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
    cpuid->nent = static_cast<uint32_t>(entries.size());
    std::copy(entries.begin(), entries.end(), cpuid->entries);
    VMM4J_IOCTL(fd_.get(), KVM_SET_CPUID2, cpuid);
}

}  // namespace vmm4j
