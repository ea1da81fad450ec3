#include "virtio/queue/descriptor_chain.h"

#include <cstring>

namespace vmm4j::virtio {

const char* describe(ChainError error) noexcept {
    switch (error) {
        case ChainError::None: return "no error";
        case ChainError::HeadOutOfRange: return "head descriptor index out of range";
        case ChainError::NextOutOfRange: return "next descriptor index out of range";
        case ChainError::TooLong: return "chain longer than the queue size (a loop?)";
        case ChainError::AddressOutOfRange: return "buffer outside guest memory";
        case ChainError::LengthOverflow: return "address + length overflows";
        case ChainError::NestedIndirect: return "nested indirect descriptor table";
        case ChainError::IndirectWithNext: return "indirect descriptor with NEXT set";
        case ChainError::IndirectNotNegotiated: return "indirect descriptor without VIRTIO_F_INDIRECT_DESC";
        case ChainError::BadIndirectLength: return "bad indirect table length";
        case ChainError::ReadableAfterWritable: return "device-readable descriptor after a device-writable one";
    }
    return "unknown chain error";
}

namespace {
Descriptor load(const uint8_t* table, uint32_t index) noexcept {
    Descriptor descriptor;
    // A plain copy into a local: the guest may change the table, our checks use this snapshot.
    std::memcpy(&descriptor, table + 16ULL * index, sizeof descriptor);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    return descriptor;
}
}  // namespace

ChainError parse_chain(const GuestAccess& memory, const uint8_t* table, uint16_t queue_size, uint16_t head,
                       bool indirect_allowed, Chain& out) {
    out.clear();
    out.head = head;
    if (head >= queue_size) return ChainError::HeadOutOfRange;

    const uint8_t* current_table = table;
    uint32_t table_entries = queue_size;
    uint32_t index = head;
    uint32_t visited = 0;  // descriptors of the whole chain, direct and indirect
    bool in_indirect = false;

    for (;;) {
        if (index >= table_entries) return ChainError::NextOutOfRange;
        if (++visited > queue_size) return ChainError::TooLong;
        const Descriptor descriptor = load(current_table, index);

        if (descriptor.flags & kDescFlagIndirect) {
            if (in_indirect) return ChainError::NestedIndirect;
            if (!indirect_allowed) return ChainError::IndirectNotNegotiated;
            if (descriptor.flags & kDescFlagNext) return ChainError::IndirectWithNext;
            if (descriptor.length == 0 || descriptor.length % 16 != 0 || descriptor.length / 16 > queue_size) {
                return ChainError::BadIndirectLength;
            }
            if (descriptor.address > UINT64_MAX - descriptor.length) return ChainError::LengthOverflow;
            const uint8_t* indirect = memory.translate(descriptor.address, descriptor.length);
            if (indirect == nullptr) return ChainError::AddressOutOfRange;
            current_table = indirect;
            table_entries = descriptor.length / 16;
            index = 0;
            in_indirect = true;
            --visited;  // the indirect descriptor itself carries no buffer
            continue;
        }

        if (descriptor.address > UINT64_MAX - descriptor.length) return ChainError::LengthOverflow;
        uint8_t* host = memory.translate(descriptor.address, descriptor.length);
        if (host == nullptr) return ChainError::AddressOutOfRange;
        const bool writable = (descriptor.flags & kDescFlagWrite) != 0;
        if (writable) {
            out.writable_bytes += descriptor.length;
        } else {
            if (!out.segments.empty() && out.segments.back().writable) return ChainError::ReadableAfterWritable;
            out.readable_bytes += descriptor.length;
            ++out.readable_count;
        }
        if (out.readable_bytes + out.writable_bytes > UINT32_MAX) return ChainError::LengthOverflow;
        out.segments.push_back(Segment{descriptor.address, host, descriptor.length, writable});

        if (!(descriptor.flags & kDescFlagNext)) return ChainError::None;
        index = descriptor.next;
    }
}

}  // namespace vmm4j::virtio
