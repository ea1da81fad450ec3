#pragma once

#include "kvm/linux_kvm.h"

#include <cstdint>

#include "common/unique_fd.h"

namespace vmm4j {

// A VM file descriptor: memory slots, vCPU creation and VM-wide set-up.
class VmFd {
public:
    explicit VmFd(int fd) : fd_(fd) {}

    void set_user_memory_region(uint32_t slot, uint32_t flags, uint64_t guest_phys_addr, uint64_t size,
                                void* host_address) const;
    int create_vcpu(uint32_t id) const;  // returns a new vCPU fd the caller must own
    void set_tss_address(uint64_t address) const;
    void set_identity_map_address(uint64_t address) const;
    int check_extension(int capability) const;
    // The in-kernel PIC, IOAPIC and LAPICs; must come before the first vCPU.
    void create_irqchip() const;
    void create_pit2() const;
    // Whether the in-kernel PIT makes up for ticks the guest missed (KVM's default) or drops them.
    void set_pit_reinject(bool reinject) const;
    void set_irq_line(uint32_t gsi, bool level) const;
    // Copies and clears the dirty bitmap of one slot: one bit per page.
    void get_dirty_log(uint32_t slot, uint64_t* bitmap) const;
    // KVM_IOEVENTFD and KVM_IRQFD, assign or deassign by flags; RAII owners in kvm/ioeventfd.h, kvm/irqfd.h.
    void set_ioeventfd(const kvm_ioeventfd& registration) const;
    void set_irqfd(const kvm_irqfd& registration) const;
    // The in-kernel irqchip's chips (KVM_IRQCHIP_PIC_MASTER, _PIC_SLAVE, _IOAPIC), the PIT and kvmclock.
    kvm_irqchip get_irqchip(uint32_t chip_id) const;
    void set_irqchip(const kvm_irqchip& chip) const;
    kvm_pit_state2 get_pit2() const;
    void set_pit2(const kvm_pit_state2& pit) const;
    kvm_clock_data get_clock() const;
    void set_clock(const kvm_clock_data& clock) const;
    int fd() const noexcept { return fd_.get(); }

private:
    UniqueFd fd_;
};

}  // namespace vmm4j
