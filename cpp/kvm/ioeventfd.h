#pragma once

#include <cstdint>

#include "kvm/event_fd.h"
#include "kvm/vm_fd.h"

namespace vmm4j {

// A KVM_IOEVENTFD registration: a guest write of `length` bytes of `datamatch` to the MMIO
// address signals the eventfd inside the kernel, with no exit to userspace. Deassigned when
// destroyed; the eventfd must outlive it.
class IoEventFd {
public:
    IoEventFd(const VmFd& vm, const EventFd& event, uint64_t mmio_address, uint32_t length, uint64_t datamatch);
    ~IoEventFd();
    IoEventFd(const IoEventFd&) = delete;
    IoEventFd& operator=(const IoEventFd&) = delete;

private:
    const VmFd& vm_;
    kvm_ioeventfd registration_{};
};

}  // namespace vmm4j
