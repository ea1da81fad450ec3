#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "virtio/event_routes.h"
#include "virtio/io_thread.h"
#include "virtio/queue/guest_access.h"
#include "virtio/virtio_device.h"

namespace vmm4j {

// The virtio devices of one VM and the I/O thread that serves them. Owned by the Machine and
// destroyed before its memory and VM fd: the thread is stopped and joined first, then the
// devices release their routes and files.
class VirtioHub {
public:
    VirtioHub(std::unique_ptr<GuestAccess> memory, std::unique_ptr<virtio::EventRoutes> routes,
              const std::vector<int>& io_cpus);
    ~VirtioHub();

    virtio::DeviceContext context(uint64_t notify_address, uint32_t gsi) noexcept;
    // Takes ownership; the device lives until the hub goes.
    virtio::VirtioDevice& add(std::unique_ptr<virtio::VirtioDevice> device);

    // Quiesces every device (VirtioDevice::quiesce): returns once no request is in progress, and
    // no queue is served until resume(). Machine::pause() calls it, so a paused VM's device state
    // and guest memory agree, as a snapshot needs. Refused on the I/O thread (a console output
    // callback), which would wait for itself.
    void pause();
    void resume();

private:
    std::unique_ptr<GuestAccess> memory_;
    std::unique_ptr<virtio::EventRoutes> routes_;
    std::mutex mutex_;
    // Guarded by mutex_.
    std::vector<std::unique_ptr<virtio::VirtioDevice>> devices_;
    bool paused_ = false;
    IoThread io_;  // declared last, so stopped and joined before the devices go
};

}  // namespace vmm4j
