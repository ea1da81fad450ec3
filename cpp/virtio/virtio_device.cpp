#include "virtio/virtio_device.h"

#include "common/error.h"

namespace vmm4j::virtio {

VirtioDevice::VirtioDevice(const DeviceContext& context, std::string name, uint16_t queue_count)
    : name_(std::move(name)), io_(context.io), memory_(context.memory) {
    irq_route_ = context.routes.interrupt(irq_, context.gsi);
    for (uint16_t i = 0; i < queue_count; ++i) {
        auto slot = std::make_unique<QueueSlot>();
        slot->device = this;
        slot->index = i;
        slot->route = context.routes.doorbell(slot->doorbell, context.notify_address, i);
        slots_.push_back(std::move(slot));
    }
    // Watched only once every slot exists: the thread may call on_ready() from now on.
    for (auto& slot : slots_) io_.watch(slot->doorbell.fd(), *slot);
}

VirtioDevice::~VirtioDevice() = default;

void VirtioDevice::activate(const std::vector<QueueConfig>& queues, uint64_t features) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (active_) throw CoreError(ErrorKind::State, "virtio activate", name_ + " is already active; reset it first");
    if (queues.size() > slots_.size()) {
        throw_invalid("virtio activate", name_ + " has " + std::to_string(slots_.size()) + " queues, not " +
                                             std::to_string(queues.size()));
    }
    const bool event_idx = (features & kFeatureEventIdx) != 0;
    const bool indirect = (features & kFeatureIndirectDesc) != 0;
    std::vector<std::optional<SplitQueue>> built(slots_.size());
    for (size_t i = 0; i < queues.size(); ++i) {
        if (queues[i].size == 0) continue;
        if (queues[i].size > queue_max_size_) {
            throw_invalid("virtio activate", name_ + " queue " + std::to_string(i) + " size " +
                                                 std::to_string(queues[i].size) + " exceeds its maximum " +
                                                 std::to_string(queue_max_size_));
        }
        try {
            built[i].emplace(memory_, queues[i], event_idx, indirect);
        } catch (const CoreError& error) {
            throw CoreError(error.kind(), error.operation(),
                            name_ + " queue " + std::to_string(i) + ": " + error.what());
        }
    }
    for (size_t i = 0; i < slots_.size(); ++i) slots_[i]->queue = std::move(built[i]);
    features_ = features;
    failure_.clear();
    needs_reset_ = false;
    active_ = true;
    // Buffers made available before DRIVER_OK get served now.
    for (auto& slot : slots_) {
        if (slot->queue) slot->doorbell.signal();
    }
}

void VirtioDevice::reset() {
    std::lock_guard<std::mutex> guard(mutex_);  // waits for the I/O thread to finish a request
    active_ = false;
    for (auto& slot : slots_) slot->queue.reset();
    features_ = 0;
    failure_.clear();
    needs_reset_ = false;
    isr_ = 0;
    on_reset();
}

std::string VirtioDevice::failure() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return failure_;
}

void VirtioDevice::notify(uint16_t queue) {
    if (queue >= slots_.size()) throw_invalid("virtio notify", name_ + " has no queue " + std::to_string(queue));
    slots_[queue]->doorbell.signal();
}

void VirtioDevice::fail(const std::string& why) {
    if (failure_.empty()) failure_ = name_ + ": " + why;
    for (auto& slot : slots_) slot->queue.reset();  // stop processing until the driver resets us
    active_ = false;
    needs_reset_ = true;
    interrupt(kInterruptConfigChange);
}

void VirtioDevice::interrupt(uint32_t bits) noexcept {
    isr_.fetch_or(bits);
    irq_.signal();
}

SplitQueue* VirtioDevice::queue(uint16_t index) noexcept {
    if (index >= slots_.size() || !slots_[index]->queue) return nullptr;
    return &*slots_[index]->queue;
}

void VirtioDevice::QueueSlot::on_ready() noexcept {
    doorbell.consume();
    device->serve(*this);
}

void VirtioDevice::serve(QueueSlot& slot) noexcept {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!active_ || !slot.queue) return;  // notified before DRIVER_OK, after a reset, or broken
    try {
        process(slot.index);
    } catch (const std::exception& error) {
        try {
            fail(std::string("queue ") + std::to_string(slot.index) + ": " + error.what());
        } catch (...) {
            needs_reset_ = true;
            interrupt(kInterruptConfigChange);
        }
    } catch (...) {
        needs_reset_ = true;
        interrupt(kInterruptConfigChange);
    }
}

}  // namespace vmm4j::virtio
