#pragma once

#include <cstdint>
#include <memory>

#include "kvm/event_fd.h"

namespace vmm4j::virtio {

// A connection between an eventfd and the guest; undone when destroyed.
class Route {
public:
    virtual ~Route() = default;
};

// How a device's eventfds reach the guest. A VM on KVM registers an ioeventfd for each doorbell
// and an irqfd for the interrupt; native tests connect nothing and ring or wait on the eventfds
// themselves. The eventfd must outlive the route.
class EventRoutes {
public:
    virtual ~EventRoutes() = default;
    // Makes the guest's QueueNotify write of `queue` to `notify_address` signal `doorbell`.
    virtual std::unique_ptr<Route> doorbell(const EventFd& doorbell, uint64_t notify_address, uint16_t queue) = 0;
    // Makes a signal of `interrupt` raise line `gsi`; nullptr when nothing consumes the eventfd
    // (no in-kernel irqchip), which then stays readable for wait_interrupt().
    virtual std::unique_ptr<Route> interrupt(const EventFd& interrupt, uint32_t gsi) = 0;
};

}  // namespace vmm4j::virtio
