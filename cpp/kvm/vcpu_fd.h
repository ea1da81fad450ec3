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

    // The rest of the state a snapshot holds (cpp/snapshot), each one ioctl.
    std::vector<kvm_cpuid_entry2> get_cpuid() const;
    kvm_fpu get_fpu() const;
    // KVM_GET_XSAVE2 when `size` > 4096 (KVM_CAP_XSAVE2's answer), else KVM_GET_XSAVE; `size` bytes.
    std::vector<uint8_t> get_xsave(size_t size) const;
    void set_xsave(const std::vector<uint8_t>& area) const;
    kvm_xcrs get_xcrs() const;
    void set_xcrs(const kvm_xcrs& xcrs) const;
    kvm_debugregs get_debugregs() const;
    void set_debugregs(const kvm_debugregs& debugregs) const;
    kvm_vcpu_events get_vcpu_events() const;
    void set_vcpu_events(const kvm_vcpu_events& events) const;
    kvm_mp_state get_mp_state() const;
    void set_mp_state(const kvm_mp_state& state) const;
    // KVM_KVMCLOCK_CTRL: tells a guest using kvmclock that it was stopped (no soft-lockup report).
    // False when the guest has not enabled kvmclock (EINVAL).
    bool kvmclock_ctrl() const;
    // Re-enters KVM_RUN with immediate_exit set, so KVM completes an I/O or MMIO exit userspace has
    // answered (the guest's registers and RIP are final only then) and returns at once. True when
    // completing it made a new exit (a string I/O instruction's next round) that must be handled.
    bool complete_pending_io() const;
    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
    Mapping run_mapping_;
};

}  // namespace vmm4j
