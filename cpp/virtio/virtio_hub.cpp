#include "virtio/virtio_hub.h"

namespace vmm4j {

VirtioHub::VirtioHub(const VmFd& vm, const GuestMemory& memory, bool irqchip, const std::vector<int>& io_cpus)
    : vm_(vm), memory_(memory), irqchip_(irqchip), io_(io_cpus) {}

VirtioHub::~VirtioHub() = default;

virtio::DeviceContext VirtioHub::context(uint64_t notify_address, uint32_t gsi) noexcept {
    return virtio::DeviceContext{vm_, memory_, io_, irqchip_, notify_address, gsi};
}

virtio::VirtioDevice& VirtioHub::add(std::unique_ptr<virtio::VirtioDevice> device) {
    devices_.push_back(std::move(device));
    return *devices_.back();
}

}  // namespace vmm4j
