#include "kvm/ioeventfd.h"

namespace vmm4j {

IoEventFd::IoEventFd(const VmFd& vm, const EventFd& event, uint64_t mmio_address, uint32_t length, uint64_t datamatch)
    : vm_(vm) {
    registration_.addr = mmio_address;
    registration_.len = length;
    registration_.datamatch = datamatch;
    registration_.fd = event.fd();
    registration_.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
    vm_.set_ioeventfd(registration_);
}

IoEventFd::~IoEventFd() {
    kvm_ioeventfd deassign = registration_;
    deassign.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
    try {
        vm_.set_ioeventfd(deassign);
    } catch (...) {
        // The VM fd going away releases it anyway.
    }
}

}  // namespace vmm4j
