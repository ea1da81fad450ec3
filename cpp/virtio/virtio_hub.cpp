#include "virtio/virtio_hub.h"

namespace vmm4j {

VirtioHub::VirtioHub(std::unique_ptr<GuestAccess> memory, std::unique_ptr<virtio::EventRoutes> routes,
                     const std::vector<int>& io_cpus)
    : memory_(std::move(memory)), routes_(std::move(routes)), io_(io_cpus) {}

VirtioHub::~VirtioHub() = default;

virtio::DeviceContext VirtioHub::context(uint64_t notify_address, uint32_t gsi) noexcept {
    return virtio::DeviceContext{*memory_, io_, *routes_, notify_address, gsi};
}

virtio::VirtioDevice& VirtioHub::add(std::unique_ptr<virtio::VirtioDevice> device) {
    devices_.push_back(std::move(device));
    return *devices_.back();
}

}  // namespace vmm4j
