#include "kvm/irqfd.h"

namespace vmm4j {

IrqFd::IrqFd(const VmFd& vm, const EventFd& event, uint32_t gsi) : vm_(vm) {
    registration_.fd = static_cast<uint32_t>(event.fd());
    registration_.gsi = gsi;
    vm_.set_irqfd(registration_);
}

IrqFd::~IrqFd() {
    kvm_irqfd deassign = registration_;
    deassign.flags |= KVM_IRQFD_FLAG_DEASSIGN;
    try {
        vm_.set_irqfd(deassign);
    } catch (...) {
        // The VM fd going away releases it anyway.
    }
}

}  // namespace vmm4j
