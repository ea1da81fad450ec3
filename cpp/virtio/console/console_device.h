#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

#include "bus/output_sink.h"
#include "kvm/event_fd.h"
#include "virtio/device_arguments.h"
#include "virtio/virtio_device.h"

namespace vmm4j::virtio {

// virtio-console (virtio 1.2 §5.3) with one port and no MULTIPORT: queue 0 (receiveq) carries
// host input to the guest, queue 1 (transmitq) carries guest output to the host.
// Output goes to the Java sink `output_key` through an OutputSink, straight from the guest's
// buffers. Input is queued by enqueue_input() from any thread, up to kInputCapacity bytes, and
// delivered as the guest posts buffers.
class ConsoleDevice final : public VirtioDevice {
public:
    static constexpr uint32_t kDeviceId = 3;
    static constexpr uint16_t kReceiveQueue = 0;
    static constexpr uint16_t kTransmitQueue = 1;
    static constexpr size_t kInputCapacity = 64 * 1024;

    ConsoleDevice(const DeviceContext& context, std::string name, int32_t output_key);
    // arguments: output_key only.
    static BuiltDevice create(const DeviceContext& context, const DeviceArguments& arguments);

    // Returns how many bytes were accepted: fewer than `length` when the buffer is full.
    size_t enqueue_input(const uint8_t* bytes, size_t length);

protected:
    void process(uint16_t index) override;
    void on_reset() override;

private:
    struct InputReady final : IoHandler {
        ConsoleDevice* device = nullptr;
        void on_ready() noexcept override;
    };
    void deliver_input();

    OutputSink output_;
    std::mutex input_mutex_;
    std::deque<uint8_t> input_;  // guarded by input_mutex_
    EventFd input_event_;
    InputReady input_ready_;
};

}  // namespace vmm4j::virtio
