#pragma once

#include "virtio/device_arguments.h"
#include "virtio/virtio_device.h"

namespace vmm4j::virtio {

// virtio-rng (virtio 1.2 §5.4): one request queue of device-writable buffers, filled with
// getrandom(2). At most kMaxBytesPerRequest bytes per buffer, so a huge buffer cannot stall
// the I/O thread; the used length says how many were filled.
class RngDevice final : public VirtioDevice {
public:
    static constexpr uint32_t kDeviceId = 4;
    static constexpr uint32_t kMaxBytesPerRequest = 64 * 1024;

    RngDevice(const DeviceContext& context, std::string name) : VirtioDevice(context, std::move(name), 1) {}
    // Takes no arguments.
    static BuiltDevice create(const DeviceContext& context, const DeviceArguments& arguments);

protected:
    void process(uint16_t index) override;
};

}  // namespace vmm4j::virtio
