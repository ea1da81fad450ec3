#pragma once

#include <cstdint>
#include <string>

#include "virtio/queue/descriptor_chain.h"
#include "virtio/queue/guest_access.h"

namespace vmm4j::virtio {

// What the driver configured for one queue (virtio-mmio QueueNum, QueueDesc/Driver/Device).
struct QueueConfig {
    uint16_t size = 0;
    uint64_t descriptor_table = 0;
    uint64_t avail_ring = 0;  // "driver area"
    uint64_t used_ring = 0;   // "device area"
};

// The device side of one split virtqueue (virtio 1.2 §2.7). Not thread-safe: one I/O thread
// uses it, under its device's lock. The guest writes the rings concurrently, so every ring
// field is read once with the ordering the spec asks for, and every index is range-checked.
class SplitQueue {
public:
    // Checks sizes, alignment and that each ring lies in guest RAM; throws InvalidArgument or
    // OutOfBounds naming the ring. `memory` must outlive the queue.
    SplitQueue(const GuestAccess& memory, const QueueConfig& config, bool event_idx, bool indirect);

    uint16_t size() const noexcept { return size_; }
    bool event_idx() const noexcept { return event_idx_; }

    // Outcome of pop(): a chain, nothing available, or a broken queue (see error()).
    enum class Pop { Chain, Empty, Broken };
    Pop pop(Chain& chain);
    // Whether the driver has made buffers available that pop() has not taken.
    bool has_available() const noexcept;
    // Puts a chain on the used ring; the used index is published with release ordering.
    void add_used(uint16_t head, uint32_t length) noexcept;
    // Tells the driver that notifications are not needed while the device is popping. Without
    // EVENT_IDX this sets VIRTQ_USED_F_NO_NOTIFY (§2.7.7.1); with EVENT_IDX it is a no-op, as
    // avail_event is only advanced by enable_notification().
    void disable_notification() noexcept;
    // Asks for the next notification again (clears NO_NOTIFY, or publishes avail_event), then
    // re-checks: true when buffers arrived meanwhile and the caller should keep popping.
    bool enable_notification() noexcept;
    // Whether the driver wants an interrupt for the used entries added since the last call.
    bool needs_interrupt() noexcept;

    const std::string& error() const noexcept { return error_; }
    uint16_t next_avail() const noexcept { return next_avail_; }
    uint16_t next_used() const noexcept { return next_used_; }
    const QueueConfig& config() const noexcept { return config_; }

    // Where the device is in the rings: what a snapshot must carry for the queue to resume
    // exactly, the EVENT_IDX shadow of the last interrupt included.
    struct Position {
        uint16_t next_avail = 0;
        uint16_t next_used = 0;
        uint16_t signalled_used = 0;
        bool signalled_valid = false;
    };
    Position position() const noexcept { return {next_avail_, next_used_, signalled_used_, signalled_valid_}; }
    // Resumes at a saved position instead of at index 0. Throws InvalidArgument when more chains
    // would be in flight than the queue holds.
    void restore(const Position& position);

private:
    uint16_t avail_index() const noexcept;
    void mark_used_ring_dirty() const noexcept;

    const GuestAccess* memory_;  // a pointer, so queues can be moved and assigned
    QueueConfig config_;
    uint16_t size_;
    bool event_idx_;
    bool indirect_;
    uint8_t* table_;
    uint8_t* avail_;
    uint8_t* used_;
    uint64_t used_address_;
    uint16_t next_avail_ = 0;
    uint16_t next_used_ = 0;
    uint16_t signalled_used_ = 0;
    bool signalled_valid_ = false;
    std::string error_;
};

}  // namespace vmm4j::virtio
