#include "virtio/virtio_hub.h"

#include "common/error.h"

namespace vmm4j {

VirtioHub::VirtioHub(std::unique_ptr<GuestAccess> memory, std::unique_ptr<virtio::EventRoutes> routes,
                     const std::vector<int>& io_cpus)
    : memory_(std::move(memory)), routes_(std::move(routes)), io_(io_cpus) {}

VirtioHub::~VirtioHub() = default;

virtio::DeviceContext VirtioHub::context(uint64_t notify_address, uint32_t gsi) noexcept {
    return virtio::DeviceContext{*memory_, io_, *routes_, notify_address, gsi};
}

virtio::VirtioDevice& VirtioHub::add(std::unique_ptr<virtio::VirtioDevice> device) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (paused_) device->quiesce();
    devices_.push_back(std::move(device));
    return *devices_.back();
}

void VirtioHub::pause() {
    if (io_.on_this_thread()) {
        throw CoreError(ErrorKind::State, "pause virtio devices",
                        "called from the virtio I/O thread, which would wait for itself");
    }
    std::lock_guard<std::mutex> guard(mutex_);
    paused_ = true;
    for (auto& device : devices_) device->quiesce();
}

void VirtioHub::resume() {
    std::lock_guard<std::mutex> guard(mutex_);
    paused_ = false;
    for (auto& device : devices_) device->unquiesce();
}

}  // namespace vmm4j
