#include "virtio/console/console_device.h"

#include "common/error.h"

namespace vmm4j::virtio {

BuiltDevice ConsoleDevice::create(const DeviceContext& context, const DeviceArguments& arguments) {
    if (arguments.output_key < 0) throw_invalid("virtio-console", "no output sink");
    if (!arguments.path.empty() || !arguments.numbers.empty()) throw_invalid("virtio-console", "takes only an output");
    return BuiltDevice{std::make_unique<ConsoleDevice>(context, "virtio-console", arguments.output_key), {}};
}

ConsoleDevice::ConsoleDevice(const DeviceContext& context, std::string name, int32_t output_key)
    : VirtioDevice(context, std::move(name), 2), output_(output_key) {
    input_ready_.device = this;
    io().watch(input_event_.fd(), input_ready_);
}

size_t ConsoleDevice::enqueue_input(const uint8_t* bytes, size_t length) {
    size_t accepted;
    {
        std::lock_guard<std::mutex> guard(input_mutex_);
        accepted = std::min(length, kInputCapacity - input_.size());
        input_.insert(input_.end(), bytes, bytes + accepted);
    }
    if (accepted > 0) input_event_.signal();
    return accepted;
}

void ConsoleDevice::on_reset() {
    // Pending input survives a reset: it was addressed to the port, not to one driver instance.
}

void ConsoleDevice::InputReady::on_ready() noexcept {
    device->input_event_.consume();
    std::lock_guard<std::mutex> guard(device->lock());
    if (!device->active()) return;  // delivered after DRIVER_OK
    try {
        device->deliver_input();
    } catch (const std::exception& error) {
        device->fail(std::string("receiveq: ") + error.what());
    } catch (...) {
    }
}

void ConsoleDevice::process(uint16_t index) {
    if (index == kReceiveQueue) {
        deliver_input();
        return;
    }
    drain(index, [&](const Chain& chain, uint32_t& used) -> const char* {
        if (chain.readable_count != chain.segments.size()) return "device-writable buffer in transmitq";
        // A sink that fails drops output rather than breaking the device (Java logs it).
        for (const Segment& segment : chain.segments) output_.send(segment.host, segment.length);
        used = 0;
        return nullptr;
    });
}

void ConsoleDevice::deliver_input() {
    if (queue(kReceiveQueue) == nullptr) return;
    // Take a buffer only while there is input for it: a popped chain cannot be given back.
    auto has_input = [this] {
        std::lock_guard<std::mutex> guard(input_mutex_);
        return !input_.empty();
    };
    drain_while(kReceiveQueue, has_input, [&](const Chain& chain, uint32_t& used) -> const char* {
        if (chain.readable_count != 0) return "device-readable buffer in receiveq";
        std::lock_guard<std::mutex> guard(input_mutex_);
        uint32_t filled = 0;
        for (const Segment& segment : chain.segments) {
            const size_t take = std::min<size_t>(segment.length, input_.size());
            std::copy(input_.begin(), input_.begin() + take, segment.host);
            input_.erase(input_.begin(), input_.begin() + take);
            filled += static_cast<uint32_t>(take);
            if (input_.empty()) break;
        }
        used = filled;
        return nullptr;
    });
}

}  // namespace vmm4j::virtio
