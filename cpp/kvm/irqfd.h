#pragma once

#include <cstdint>

#include "kvm/event_fd.h"
#include "kvm/vm_fd.h"

namespace vmm4j {

// A KVM_IRQFD registration: signalling the eventfd pulses interrupt line `gsi` of the in-kernel
// irqchip (edge). Deassigned when destroyed; the eventfd must outlive it.
class IrqFd {
public:
    IrqFd(const VmFd& vm, const EventFd& event, uint32_t gsi);
    ~IrqFd();
    IrqFd(const IrqFd&) = delete;
    IrqFd& operator=(const IrqFd&) = delete;

private:
    const VmFd& vm_;
    kvm_irqfd registration_{};
};

}  // namespace vmm4j
