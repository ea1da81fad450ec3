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
    kick();  // buffers made available before DRIVER_OK get served now
}

void VirtioDevice::kick() noexcept {
    if (!active_ || quiesced_) return;  // unquiesce() kicks
    for (auto& slot : slots_) {
        if (slot->queue) slot->doorbell.signal();
    }
}

std::vector<uint8_t> VirtioDevice::save_state() const {
    std::lock_guard<std::mutex> guard(mutex_);  // waits for a request in progress
    StateWriter out;
    out.u32(kStateVersion);
    out.u16(static_cast<uint16_t>(slots_.size()));
    out.u8(active_ ? 1 : 0);
    out.u8(needs_reset_ ? 1 : 0);
    out.u32(isr_.load());
    out.u64(features_);
    out.text(failure_);
    for (const auto& slot : slots_) {
        out.u8(slot->queue ? 1 : 0);
        if (!slot->queue) continue;
        const QueueConfig& config = slot->queue->config();
        out.u16(config.size);
        out.u64(config.descriptor_table);
        out.u64(config.avail_ring);
        out.u64(config.used_ring);
        const SplitQueue::Position position = slot->queue->position();
        out.u16(position.next_avail);
        out.u16(position.next_used);
        out.u16(position.signalled_used);
        out.u8(position.signalled_valid ? 1 : 0);
    }
    save_device(out);
    return out.data();
}

void VirtioDevice::restore_state(const uint8_t* data, size_t size) {
    constexpr size_t kMaxFailureBytes = 4096;
    std::lock_guard<std::mutex> guard(mutex_);
    StateReader in(name_, data, size);
    const uint32_t version = in.u32("version");
    if (version != kStateVersion) {
        in.refuse(
            0, "version " + std::to_string(version) + " is not supported (only " + std::to_string(kStateVersion) + ")");
    }
    const size_t count_at = in.offset();
    const uint16_t count = in.u16("queue count");
    if (count != slots_.size()) {
        in.refuse(count_at, std::to_string(count) + " queues, but the device has " + std::to_string(slots_.size()));
    }
    const size_t flags_at = in.offset();
    const bool active = in.flag("active");
    const bool needs_reset = in.flag("needs reset");
    if (active && needs_reset) in.refuse(flags_at, "active and needing a reset at once");
    const size_t isr_at = in.offset();
    const uint32_t isr = in.u32("interrupt status");
    if ((isr & ~(kInterruptUsedBuffer | kInterruptConfigChange)) != 0) {
        in.refuse(isr_at, "interrupt status " + std::to_string(isr) + " has undefined bits");
    }
    const uint64_t features = in.u64("features");
    std::string failure = in.text("failure", kMaxFailureBytes);
    const bool event_idx = (features & kFeatureEventIdx) != 0;
    const bool indirect = (features & kFeatureIndirectDesc) != 0;
    std::vector<std::optional<SplitQueue>> built(slots_.size());
    for (size_t i = 0; i < slots_.size(); ++i) {
        const size_t queue_at = in.offset();
        if (!in.flag("queue present")) continue;
        if (!active) in.refuse(queue_at, "queue " + std::to_string(i) + " is set up on an inactive device");
        QueueConfig config;
        config.size = in.u16("queue size");
        config.descriptor_table = in.u64("descriptor table");
        config.avail_ring = in.u64("driver area");
        config.used_ring = in.u64("device area");
        SplitQueue::Position position;
        position.next_avail = in.u16("next_avail");
        position.next_used = in.u16("next_used");
        position.signalled_used = in.u16("signalled used index");
        position.signalled_valid = in.flag("signalled used index valid");
        try {
            built[i].emplace(memory_, config, event_idx, indirect);  // the same checks as activate()
            built[i]->restore(position);
        } catch (const CoreError& error) {
            in.refuse(queue_at, "queue " + std::to_string(i) + ": " + error.what());
        }
    }
    const std::function<void()> commit_device = restore_device(in);
    in.finish();
    // Everything is read and checked: commit.
    for (size_t i = 0; i < slots_.size(); ++i) slots_[i]->queue = std::move(built[i]);
    active_ = active;
    features_ = features;
    failure_ = std::move(failure);
    needs_reset_ = needs_reset;
    isr_ = isr;
    commit_device();
    kick();  // the driver may have made buffers available that were not served yet
}

void VirtioDevice::quiesce() {
    std::lock_guard<std::mutex> guard(mutex_);  // waits for a request in progress
    quiesced_ = true;
}

void VirtioDevice::unquiesce() {
    std::lock_guard<std::mutex> guard(mutex_);
    quiesced_ = false;
    kick();  // doorbells rung while quiesced were consumed unserved
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
    // Notified before DRIVER_OK, after a reset, broken, or quiesced (unquiesce() rings again).
    if (!active_ || !slot.queue || quiesced_) return;
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
