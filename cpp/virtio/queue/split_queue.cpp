#include "virtio/queue/split_queue.h"

#include <cstdio>
#include <cstring>

#include "common/error.h"

namespace vmm4j::virtio {

namespace {
std::string hex(uint64_t value) {
    char buffer[24];
    snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}

uint8_t* ring(const GuestAccess& memory, const char* name, uint64_t address, uint64_t bytes, uint64_t alignment) {
    if (address % alignment != 0) {
        throw_invalid("virtqueue setup", std::string(name) + " at " + hex(address) + " is not " +
                                             std::to_string(alignment) + "-byte aligned");
    }
    if (address > UINT64_MAX - bytes) throw_invalid("virtqueue setup", std::string(name) + " wraps around");
    uint8_t* host = memory.translate(address, bytes);
    if (host == nullptr) {
        throw CoreError(ErrorKind::OutOfBounds, "virtqueue setup",
                        std::string(name) + " [" + hex(address) + ", +" + hex(bytes) + ") is outside guest memory");
    }
    return host;
}

uint16_t load_acquire(const uint8_t* address) noexcept {
    return __atomic_load_n(reinterpret_cast<const uint16_t*>(address), __ATOMIC_ACQUIRE);
}
}  // namespace

SplitQueue::SplitQueue(const GuestAccess& memory, const QueueConfig& config, bool event_idx, bool indirect)
    : memory_(&memory), config_(config), size_(config.size), event_idx_(event_idx), indirect_(indirect) {
    if (size_ == 0 || size_ > kMaxQueueSize || (size_ & (size_ - 1)) != 0) {
        throw_invalid("virtqueue setup", "queue size " + std::to_string(size_) + " is not a power of 2 up to 32768");
    }
    table_ = ring(memory, "descriptor table", config.descriptor_table, descriptor_table_bytes(size_), 16);
    avail_ = ring(memory, "driver area", config.avail_ring, avail_ring_bytes(size_), 2);
    used_ = ring(memory, "device area", config.used_ring, used_ring_bytes(size_), 4);
    used_address_ = config.used_ring;
    // A queue starts at index 0 on both rings (§2.7.13, §2.7.14); the driver zeroed them.
}

void SplitQueue::restore(const Position& position) {
    if (static_cast<uint16_t>(position.next_avail - position.next_used) > size_) {
        throw_invalid("virtqueue restore", "next_avail " + std::to_string(position.next_avail) + " is more than " +
                                               std::to_string(size_) + " entries ahead of next_used " +
                                               std::to_string(position.next_used));
    }
    next_avail_ = position.next_avail;
    next_used_ = position.next_used;
    signalled_used_ = position.signalled_used;
    signalled_valid_ = position.signalled_valid;
}

uint16_t SplitQueue::avail_index() const noexcept { return load_acquire(avail_ + 2); }

// Everything the device writes to the rings lies in the used ring (entries, index, flags, avail_event).
void SplitQueue::mark_used_ring_dirty() const noexcept { memory_->mark_dirty(used_address_, used_ring_bytes(size_)); }

bool SplitQueue::has_available() const noexcept { return avail_index() != next_avail_; }

SplitQueue::Pop SplitQueue::pop(Chain& chain) {
    const uint16_t available = avail_index();  // acquire: ring entries below it are visible
    if (available == next_avail_) return Pop::Empty;
    if (static_cast<uint16_t>(available - next_avail_) > size_) {
        error_ = "avail index " + std::to_string(available) + " is more than the queue size ahead of " +
                 std::to_string(next_avail_);
        return Pop::Broken;
    }
    const uint16_t head =
        __atomic_load_n(reinterpret_cast<const uint16_t*>(avail_ + 4 + 2 * (next_avail_ % size_)), __ATOMIC_RELAXED);
    const ChainError result = parse_chain(*memory_, table_, size_, head, indirect_, chain);
    if (result != ChainError::None) {
        error_ = std::string(describe(result)) + " (chain head " + std::to_string(head) + ", avail entry " +
                 std::to_string(next_avail_) + ")";
        return Pop::Broken;
    }
    ++next_avail_;
    return Pop::Chain;
}

void SplitQueue::add_used(uint16_t head, uint32_t length) noexcept {
    UsedElement element{head, length};
    std::memcpy(used_ + 4 + 8ULL * (next_used_ % size_), &element, sizeof element);
    ++next_used_;
    // Release: the element (and the buffer contents written before) is visible before the index.
    __atomic_store_n(reinterpret_cast<uint16_t*>(used_ + 2), next_used_, __ATOMIC_RELEASE);
    mark_used_ring_dirty();
}

void SplitQueue::disable_notification() noexcept {
    // A hint only: the driver may still notify, and we must tolerate that.
    if (!event_idx_) {
        __atomic_store_n(reinterpret_cast<uint16_t*>(used_), kUsedFlagNoNotify, __ATOMIC_RELAXED);
        mark_used_ring_dirty();
    }
}

bool SplitQueue::enable_notification() noexcept {
    mark_used_ring_dirty();
    if (!event_idx_) {
        __atomic_store_n(reinterpret_cast<uint16_t*>(used_), uint16_t{0}, __ATOMIC_RELAXED);
        // Store-load: the cleared flag is visible before we re-read the avail index.
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        return has_available();
    }
    // avail_event lives after the used ring's entries.
    __atomic_store_n(reinterpret_cast<uint16_t*>(used_ + 4 + 8ULL * size_), next_avail_, __ATOMIC_RELAXED);
    // Full barrier: the store must be visible before we re-read the avail index (store-load).
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return has_available();
}

bool SplitQueue::needs_interrupt() noexcept {
    // Store-load: our used index is published before we read the driver's suppression fields.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (!event_idx_) {
        const uint16_t flags = load_acquire(avail_);
        return (flags & kAvailFlagNoInterrupt) == 0;
    }
    const uint16_t new_used = next_used_;
    const uint16_t old_used = signalled_used_;
    const bool had_old = signalled_valid_;
    signalled_used_ = new_used;
    signalled_valid_ = true;
    if (!had_old) return true;
    const uint16_t used_event = load_acquire(avail_ + 4 + 2ULL * size_);
    // vring_need_event (§2.7.10): notify if used_event lies in (old_used, new_used].
    return static_cast<uint16_t>(new_used - used_event - 1) < static_cast<uint16_t>(new_used - old_used);
}

}  // namespace vmm4j::virtio
