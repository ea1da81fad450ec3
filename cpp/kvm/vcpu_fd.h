#pragma once

#include "kvm/linux_kvm.h"

#include <cstdint>
#include <vector>

#include "common/mapping.h"
#include "common/unique_fd.h"

namespace vmm4j {

// A vCPU file descriptor and its shared kvm_run page.
class VcpuFd {
public:
    VcpuFd(int fd, size_t run_mmap_size);

    // One KVM_RUN. Returns 0, or -errno for EINTR/EAGAIN (the caller decides); throws on anything else.
    int run() const;
    kvm_run* run_state() const noexcept { return static_cast<kvm_run*>(run_mapping_.get()); }
    size_t run_mapping_size() const noexcept { return run_mapping_.length(); }

    kvm_regs get_regs() const;
    void set_regs(const kvm_regs& regs) const;
    kvm_sregs get_sregs() const;
    void set_sregs(const kvm_sregs& sregs) const;
    void set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const;
    // Returns how many of the entries KVM accepted (it stops at the first it refuses).
    size_t set_msrs(const std::vector<kvm_msr_entry>& entries) const;
    size_t get_msrs(std::vector<kvm_msr_entry>& entries) const;
    void set_fpu(const kvm_fpu& fpu) const;
    void set_xcr0(uint64_t value) const;
    kvm_translation translate(uint64_t linear_address) const;
    kvm_lapic_state get_lapic() const;
    void set_lapic(const kvm_lapic_state& lapic) const;
    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
    Mapping run_mapping_;
};

}  // namespace vmm4j
