#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "common/mapping.h"
#include "kvm/vm_fd.h"

namespace vmm4j {

// Guest RAM: anonymous MAP_NORESERVE regions, each registered as one KVM memory slot.
// Every host-side access goes through translate(), which bounds-checks the whole range.
//
// Dirty tracking covers two writers: KVM logs what vCPUs write, and each region keeps a bitmap of
// what the VMM writes (virtio devices, host writes), which KVM cannot see. The dirty log reports
// the union, so an incremental snapshot never misses a page a device filled.
//
// Two readers share the log, each with pages of its own: the API's user (GuestMemory.getAndClearDirtyPages)
// and diff snapshots. Reading drains KVM's log into every tracking reader's pending pages and hands one reader
// its own, so neither takes pages from the other.
enum class DirtyReader : uint32_t { User = 0, Snapshot = 1 };

class GuestMemory {
public:
    static constexpr uint64_t kPageSize = 4096;

    explicit GuestMemory(const VmFd& vm) : vm_(vm) {}

    // Adds RAM at [guest_address, guest_address + size). Both must be page-aligned and
    // must not overlap an existing region. Returns the slot number.
    uint32_t add_region(uint64_t guest_address, uint64_t size);
    // Adds RAM whose contents come from `fd` at `file_offset` (page-aligned), mapped MAP_PRIVATE:
    // pages load on first touch, guest writes stay in this process and the file is never written,
    // so VMs mapping one file share the pages none of them wrote. The mapping keeps the file open.
    uint32_t add_file_region(uint64_t guest_address, uint64_t size, int fd, uint64_t file_offset);

    // Writes region `index` into `fd` at `file_offset`: the pages set in `pages` (one bit per page,
    // as the dirty log), or, when `pages` is null, every page that may hold data (present or swapped
    // in /proc/self/pagemap; every page of a file-backed region). All-zero pages are left as holes,
    // which read as zero. Returns the bytes written.
    uint64_t save_region(uint32_t index, int fd, uint64_t file_offset, const uint64_t* pages) const;
    // Copies the pages set in `pages` from `fd` at `file_offset` into region `index`.
    void overlay_region(uint32_t index, int fd, uint64_t file_offset, const uint64_t* pages) const;
    // Words of a region's page bitmap (one bit per page).
    uint64_t region_bitmap_words(uint32_t index) const { return Region::bitmap_words(regions_.at(index).size); }

    // Host pointer for [guest_address, guest_address + length), or nullptr when any byte of
    // the range is outside a single region (ranges never span regions).
    uint8_t* translate(uint64_t guest_address, uint64_t length) const noexcept;
    // Same, but throws OutOfBounds naming `operation`.
    uint8_t* checked_translate(uint64_t guest_address, uint64_t length, const char* operation) const;

    void read(uint64_t guest_address, void* destination, uint64_t length) const;
    // Writes and marks the pages dirty.
    void write(uint64_t guest_address, const void* source, uint64_t length) const;

    // Records that the VMM wrote [guest_address, guest_address + length); a load and a branch
    // while dirty logging is off. Safe from any thread; ranges outside guest RAM are ignored.
    void mark_dirty(uint64_t guest_address, uint64_t length) const noexcept;

    // Starts (with nothing pending) or stops `reader`'s tracking; KVM logs while any reader tracks.
    void set_dirty_logging(DirtyReader reader, bool enabled);
    bool dirty_logging(DirtyReader reader) const noexcept;
    // Whether any reader tracks: whether VMM writes are recorded.
    bool dirty_logging() const noexcept { return dirty_logging_.load(std::memory_order_relaxed); }
    // Copies and clears `reader`'s dirty bitmap of region `index` (one bit per page, in 64-bit words):
    // the pages vCPUs wrote (KVM's log) and those the VMM wrote since that reader's last read.
    void get_and_clear_dirty_log(DirtyReader reader, uint32_t index, uint64_t* bitmap, uint64_t bitmap_words) const;

    uint64_t total_size() const noexcept;
    size_t region_count() const noexcept { return regions_.size(); }
    uint64_t region_guest_address(uint32_t index) const { return regions_.at(index).guest_address; }
    uint64_t region_size(uint32_t index) const { return regions_.at(index).size; }

private:
    struct Region {
        uint64_t guest_address;
        uint64_t size;
        uint32_t slot;
        bool file_backed;
        Mapping mapping;
        Mapping vmm_dirty;  // one bit per page, zero-filled on demand by the kernel
        // Per reader: pages drained from the logs that the reader has not read yet. Guarded by dirty_mutex_.
        mutable std::array<std::vector<uint64_t>, 2> pending;
        uint8_t* host() const noexcept { return static_cast<uint8_t*>(mapping.get()); }
        static uint64_t bitmap_words(uint64_t size) noexcept { return (size / kPageSize + 63) / 64; }
        std::atomic<uint64_t>* vmm_dirty_words() const noexcept {
            return static_cast<std::atomic<uint64_t>*>(vmm_dirty.get());
        }
    };

    uint32_t add_mapped_region(uint64_t guest_address, uint64_t size, int fd, uint64_t file_offset);
    // Drains KVM's log and the VMM's bitmap of region `index` into every tracking reader's pending pages.
    void drain_locked(uint32_t index) const;

    const VmFd& vm_;
    std::vector<Region> regions_;  // sorted by guest_address
    std::atomic<bool> dirty_logging_{false};
    mutable std::mutex dirty_mutex_;
    uint32_t dirty_readers_ = 0;  // bit per DirtyReader; guarded by dirty_mutex_
};

}  // namespace vmm4j
