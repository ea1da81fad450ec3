#pragma once

#include <memory>
#include <vector>

#include "virtio/io_thread.h"
#include "virtio/virtio_device.h"

namespace vmm4j {

class GuestMemory;
class VmFd;

// The virtio devices of one VM and the I/O thread that serves them. Owned by the Machine and
// destroyed before its memory and VM fd: the thread is stopped and joined first, then the
// devices release their ioeventfds, irqfds and files.
class VirtioHub {
public:
    VirtioHub(const VmFd& vm, const GuestMemory& memory, bool irqchip, const std::vector<int>& io_cpus);
    ~VirtioHub();

    virtio::DeviceContext context(uint64_t notify_address, uint32_t gsi) noexcept;
    // Takes ownership; the device lives until the VM closes.
    virtio::VirtioDevice& add(std::unique_ptr<virtio::VirtioDevice> device);

private:
    const VmFd& vm_;
    const GuestMemory& memory_;
    bool irqchip_;
    std::vector<std::unique_ptr<virtio::VirtioDevice>> devices_;
    IoThread io_;  // declared last, so stopped and joined before the devices go
};

}  // namespace vmm4j
