#include "kvm/vm_fd.h"

#include "kvm/ioctl.h"

namespace vmm4j {

void VmFd::set_user_memory_region(uint32_t slot, uint32_t flags, uint64_t guest_phys_addr, uint64_t size,
                                  void* host_address) const {
    kvm_userspace_memory_region region{};
    region.slot = slot;
    region.flags = flags;
    region.guest_phys_addr = guest_phys_addr;
    region.memory_size = size;
    region.userspace_addr = reinterpret_cast<uint64_t>(host_address);
    VMM4J_IOCTL(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region);
}

int VmFd::create_vcpu(uint32_t id) const {
    return VMM4J_IOCTL(fd_.get(), KVM_CREATE_VCPU, static_cast<unsigned long>(id));
}

void VmFd::set_tss_address(uint64_t address) const {
    VMM4J_IOCTL(fd_.get(), KVM_SET_TSS_ADDR, static_cast<unsigned long>(address));
}

void VmFd::set_identity_map_address(uint64_t address) const {
    VMM4J_IOCTL(fd_.get(), KVM_SET_IDENTITY_MAP_ADDR, &address);
}

int VmFd::check_extension(int capability) const { return VMM4J_IOCTL(fd_.get(), KVM_CHECK_EXTENSION, capability); }

void VmFd::create_irqchip() const { VMM4J_IOCTL(fd_.get(), KVM_CREATE_IRQCHIP, 0UL); }

void VmFd::create_pit2() const {
    kvm_pit_config config{};
    config.flags = KVM_PIT_SPEAKER_DUMMY;  // port 0x61 reads stay in the kernel
    VMM4J_IOCTL(fd_.get(), KVM_CREATE_PIT2, &config);
}

void VmFd::set_pit_reinject(bool reinject) const {
    kvm_reinject_control control{};
    control.pit_reinject = reinject ? 1 : 0;
    VMM4J_IOCTL(fd_.get(), KVM_REINJECT_CONTROL, &control);
}

void VmFd::set_irq_line(uint32_t gsi, bool level) const {
    kvm_irq_level irq{};
    irq.irq = gsi;
    irq.level = level ? 1 : 0;
    VMM4J_IOCTL(fd_.get(), KVM_IRQ_LINE, &irq);
}

void VmFd::get_dirty_log(uint32_t slot, uint64_t* bitmap) const {
    kvm_dirty_log log{};
    log.slot = slot;
    log.dirty_bitmap = bitmap;
    VMM4J_IOCTL(fd_.get(), KVM_GET_DIRTY_LOG, &log);
}

void VmFd::set_ioeventfd(const kvm_ioeventfd& registration) const {
    VMM4J_IOCTL(fd_.get(), KVM_IOEVENTFD, &registration);
}

void VmFd::set_irqfd(const kvm_irqfd& registration) const { VMM4J_IOCTL(fd_.get(), KVM_IRQFD, &registration); }

kvm_irqchip VmFd::get_irqchip(uint32_t chip_id) const {
    kvm_irqchip chip{};
    chip.chip_id = chip_id;
    VMM4J_IOCTL(fd_.get(), KVM_GET_IRQCHIP, &chip);
    return chip;
}

void VmFd::set_irqchip(const kvm_irqchip& chip) const { VMM4J_IOCTL(fd_.get(), KVM_SET_IRQCHIP, &chip); }

kvm_pit_state2 VmFd::get_pit2() const {
    kvm_pit_state2 pit{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_PIT2, &pit);
    return pit;
}

void VmFd::set_pit2(const kvm_pit_state2& pit) const { VMM4J_IOCTL(fd_.get(), KVM_SET_PIT2, &pit); }

kvm_clock_data VmFd::get_clock() const {
    kvm_clock_data clock{};
    VMM4J_IOCTL(fd_.get(), KVM_GET_CLOCK, &clock);
    return clock;
}

void VmFd::set_clock(const kvm_clock_data& clock) const { VMM4J_IOCTL(fd_.get(), KVM_SET_CLOCK, &clock); }

}  // namespace vmm4j
