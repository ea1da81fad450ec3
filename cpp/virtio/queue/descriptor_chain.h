#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "virtio/queue/guest_access.h"
#include "virtio/queue/virtq.h"

namespace vmm4j::virtio {

// Why a chain was refused. Each one breaks the queue: the device then needs a reset.
enum class ChainError {
    None,
    HeadOutOfRange,     // the avail ring names a descriptor beyond the table
    NextOutOfRange,     // a next index beyond the (direct or indirect) table
    TooLong,            // more descriptors than the queue size: a loop, or simply too many
    AddressOutOfRange,  // a buffer or indirect table outside guest RAM
    LengthOverflow,     // address + length wraps, or the chain's bytes exceed 4 GiB
    NestedIndirect,     // an indirect descriptor inside an indirect table
    IndirectWithNext,   // INDIRECT together with NEXT (forbidden, §2.7.5.3.1)
    IndirectNotNegotiated,
    BadIndirectLength,     // zero, not a multiple of 16, or more entries than the queue size
    ReadableAfterWritable  // a device-readable buffer after a device-writable one (§2.7.4.2)
};

const char* describe(ChainError error) noexcept;

// One guest buffer of a chain, already translated and bounds-checked.
struct Segment {
    uint64_t address;  // guest physical, for dirty tracking
    uint8_t* host;
    uint32_t length;
    bool writable;
};

// A parsed chain: readable segments first, then writable ones.
struct Chain {
    uint16_t head = 0;
    std::vector<Segment> segments;  // capacity reused between chains
    uint64_t readable_bytes = 0;
    uint64_t writable_bytes = 0;
    size_t readable_count = 0;  // segments[0, readable_count) are readable

    void clear() noexcept {
        segments.clear();
        readable_bytes = writable_bytes = 0;
        readable_count = 0;
    }
};

// Walks the chain at `head` of a descriptor table of `queue_size` entries at host address
// `table` (already translated). Every descriptor is copied once before use, so a guest that
// rewrites the table concurrently cannot make a checked value change under us.
ChainError parse_chain(const GuestAccess& memory, const uint8_t* table, uint16_t queue_size, uint16_t head,
                       bool indirect_allowed, Chain& out);

}  // namespace vmm4j::virtio
