// libFuzzer target for the split-queue chain parser (cpp/virtio/queue).
//
// The input becomes a small fake guest memory of two regions with a gap between them:
//   region 0 at 0x10000 (64 KiB): descriptor table at +0, avail ring at +0x1000, used ring at +0x2000
//   region 1 at 0x100000 (4 KiB): a free-form area for indirect tables
// Input layout: [log2 queue size][feature bits][descriptor table][avail ring][region 1 bytes].
// Each descriptor's address is either kept as the fuzzer wrote it (almost always invalid) or, by its
// top two bits, folded into one of the regions, so valid, indirect and boundary-crossing chains are
// all reached. Every accepted chain is checked against the fake memory: each segment must lie wholly
// inside one region and is read or written in full (ASan sees any overrun), readable segments come
// first, and the chain is no longer than the queue. The counters printed at exit let cpp/fuzz/run
// refuse a run that never parsed a valid indirect chain.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "virtio/queue/descriptor_chain.h"
#include "virtio/queue/split_queue.h"

using namespace vmm4j::virtio;

namespace {

constexpr uint64_t kRegion0 = 0x10000, kRegion0Size = 0x10000;
constexpr uint64_t kRegion1 = 0x100000, kRegion1Size = 0x1000;
constexpr uint64_t kTable = kRegion0, kAvail = kRegion0 + 0x1000, kUsed = kRegion0 + 0x2000;

struct Stats {
    uint64_t inputs = 0, chains = 0, indirect_chains = 0, broken = 0, segments = 0;
    uint64_t errors[16] = {};
    ~Stats() {
        std::fprintf(stderr,
                     "chain_fuzzer stats: inputs=%llu chains=%llu indirect_chains=%llu broken=%llu segments=%llu\n",
                     (unsigned long long)inputs, (unsigned long long)chains, (unsigned long long)indirect_chains,
                     (unsigned long long)broken, (unsigned long long)segments);
    }
} stats;

class FakeMemory final : public vmm4j::GuestAccess {
public:
    // Separate heap blocks of exactly the region sizes, so ASan flags a byte past either one.
    uint8_t* region0 = static_cast<uint8_t*>(std::calloc(1, kRegion0Size));
    uint8_t* region1 = static_cast<uint8_t*>(std::calloc(1, kRegion1Size));
    ~FakeMemory() override {
        std::free(region0);
        std::free(region1);
    }

    uint8_t* translate(uint64_t address, uint64_t length) const noexcept override {
        if (address >= kRegion0 && address - kRegion0 < kRegion0Size && length <= kRegion0Size - (address - kRegion0)) {
            return region0 + (address - kRegion0);
        }
        if (address >= kRegion1 && address - kRegion1 < kRegion1Size && length <= kRegion1Size - (address - kRegion1)) {
            return region1 + (address - kRegion1);
        }
        return nullptr;
    }

    // The queue marks only what it translated first.
    void mark_dirty(uint64_t address, uint64_t length) const noexcept override {
        if (length != 0 && translate(address, length) == nullptr) __builtin_trap();
    }

    bool inside(const uint8_t* p, uint64_t length) const {
        auto in = [&](const uint8_t* base, uint64_t size) {
            return p >= base && p <= base + size && length <= static_cast<uint64_t>(base + size - p);
        };
        return in(region0, kRegion0Size) || in(region1, kRegion1Size);
    }
};

// Folds a descriptor's address into a region according to its top two bits.
void fold_descriptors(uint8_t* bytes, size_t length) {
    for (size_t at = 0; at + 16 <= length; at += 16) {
        uint64_t address;
        std::memcpy(&address, bytes + at, 8);
        switch (address >> 62) {
            case 1: address = kRegion0 + (address % kRegion0Size); break;
            case 2: address = kRegion1 + (address % kRegion1Size); break;
            case 3: address = kRegion1 + kRegion1Size - (address % 64); break;  // near the end: overruns
            default: break;                                                     // raw
        }
        std::memcpy(bytes + at, &address, 8);
    }
}

[[noreturn]] void violation(const char* what) {
    std::fprintf(stderr, "chain_fuzzer: invariant violated: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    ++stats.inputs;
    const uint16_t queue_size = static_cast<uint16_t>(1u << (data[0] % 9));  // 1 .. 256
    const bool event_idx = data[1] & 1;
    const bool indirect = data[1] & 2;
    data += 2;
    size -= 2;

    FakeMemory memory;
    auto take = [&](uint8_t* to, size_t want) {
        const size_t n = want < size ? want : size;
        std::memcpy(to, data, n);
        data += n;
        size -= n;
    };
    take(memory.region0 + (kTable - kRegion0), descriptor_table_bytes(queue_size));
    fold_descriptors(memory.region0 + (kTable - kRegion0), descriptor_table_bytes(queue_size));
    take(memory.region0 + (kAvail - kRegion0), avail_ring_bytes(queue_size));
    take(memory.region1, kRegion1Size);
    fold_descriptors(memory.region1, kRegion1Size);

    SplitQueue queue(memory, QueueConfig{queue_size, kTable, kAvail, kUsed}, event_idx, indirect);
    Chain chain;
    // The avail index is the fuzzer's: at most queue_size chains, or the queue breaks.
    for (int round = 0; round < 2 * queue_size + 2; ++round) {
        const SplitQueue::Pop popped = queue.pop(chain);
        if (popped == SplitQueue::Pop::Empty) break;
        if (popped == SplitQueue::Pop::Broken) {
            if (queue.error().empty()) violation("a broken queue without a reason");
            ++stats.broken;
            break;
        }
        ++stats.chains;
        if (chain.segments.empty()) violation("an accepted chain without segments");
        if (chain.segments.size() > queue_size) violation("an accepted chain longer than the queue");
        // Was the head an indirect descriptor? Read it before the writes below, which may land on
        // the table itself.
        Descriptor head;
        std::memcpy(&head, memory.region0 + 16 * chain.head, sizeof head);
        if (head.flags & kDescFlagIndirect) {
            if (!indirect) violation("an indirect chain accepted without the feature");
            ++stats.indirect_chains;
        }
        bool seen_writable = false;
        uint64_t readable = 0, writable = 0;
        bool any_in_region1 = false;
        for (size_t i = 0; i < chain.segments.size(); ++i) {
            const Segment& s = chain.segments[i];
            if (!memory.inside(s.host, s.length)) violation("a segment outside guest memory");
            if (s.writable) {
                seen_writable = true;
                writable += s.length;
                std::memset(s.host, 0xA5, s.length);  // ASan: every byte must be ours
            } else {
                if (seen_writable) violation("a readable segment after a writable one");
                readable += s.length;
                volatile uint8_t sink = 0;
                for (uint32_t b = 0; b < s.length; ++b) sink ^= s.host[b];
                (void)sink;
            }
            any_in_region1 |= s.host >= memory.region1 && s.host < memory.region1 + kRegion1Size;
        }
        if (readable != chain.readable_bytes || writable != chain.writable_bytes) violation("byte counts differ");
        if (readable + writable > UINT32_MAX) violation("chain bytes exceed 4 GiB");
        stats.segments += chain.segments.size();
        queue.add_used(chain.head, static_cast<uint32_t>(writable));
        (void)any_in_region1;
    }
    (void)queue.needs_interrupt();
    (void)queue.enable_notification();
    return 0;
}
