// Split virtqueue layout and feature bits (virtio 1.2 §2.7, §6). Little-endian x86 hosts only.
#pragma once

#include <cstdint>

namespace vmm4j::virtio {

constexpr uint16_t kDescFlagNext = 1;
constexpr uint16_t kDescFlagWrite = 2;
constexpr uint16_t kDescFlagIndirect = 4;
constexpr uint16_t kAvailFlagNoInterrupt = 1;
constexpr uint16_t kUsedFlagNoNotify = 1;

constexpr uint64_t kFeatureIndirectDesc = 1ULL << 28;
constexpr uint64_t kFeatureEventIdx = 1ULL << 29;
constexpr uint64_t kFeatureVersion1 = 1ULL << 32;

constexpr uint32_t kInterruptUsedBuffer = 1;
constexpr uint32_t kInterruptConfigChange = 2;

constexpr uint16_t kMaxQueueSize = 32768;

struct Descriptor {
    uint64_t address;
    uint32_t length;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Descriptor) == 16, "virtq_desc is 16 bytes");

struct UsedElement {
    uint32_t id;
    uint32_t length;
};

// Bytes of each ring for a queue of `size` entries, event-index fields included.
constexpr uint64_t descriptor_table_bytes(uint32_t size) { return 16ULL * size; }
constexpr uint64_t avail_ring_bytes(uint32_t size) { return 6 + 2ULL * size; }
constexpr uint64_t used_ring_bytes(uint32_t size) { return 6 + 8ULL * size; }

}  // namespace vmm4j::virtio
