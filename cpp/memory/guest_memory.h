#pragma once

#include <cstdint>
#include <vector>

#include "common/mapping.h"
#include "kvm/vm_fd.h"

namespace vmm4j {

// Guest RAM: anonymous MAP_NORESERVE regions, each registered as one KVM memory slot.
// Every host-side access goes through translate(), which bounds-checks the whole range.
class GuestMemory {
public:
    static constexpr uint64_t kPageSize = 4096;

    explicit GuestMemory(const VmFd& vm) : vm_(vm) {}

    // Adds RAM at [guest_address, guest_address + size). Both must be page-aligned and
    // must not overlap an existing region. Returns the slot number.
    uint32_t add_region(uint64_t guest_address, uint64_t size);

    // Host pointer for [guest_address, guest_address + length), or nullptr when any byte of
    // the range is outside a single region (ranges never span regions).
    uint8_t* translate(uint64_t guest_address, uint64_t length) const noexcept;
    // Same, but throws OutOfBounds naming `operation`.
    uint8_t* checked_translate(uint64_t guest_address, uint64_t length, const char* operation) const;

    void read(uint64_t guest_address, void* destination, uint64_t length) const;
    void write(uint64_t guest_address, const void* source, uint64_t length) const;

    void set_dirty_logging(bool enabled);
    bool dirty_logging() const noexcept { return dirty_logging_; }
    // Copies and clears the dirty bitmap of region `index` (one bit per page, in 64-bit words).
    void get_and_clear_dirty_log(uint32_t index, uint64_t* bitmap, uint64_t bitmap_words) const;

    uint64_t total_size() const noexcept;
    size_t region_count() const noexcept { return regions_.size(); }
    uint64_t region_guest_address(uint32_t index) const { return regions_.at(index).guest_address; }
    uint64_t region_size(uint32_t index) const { return regions_.at(index).size; }

private:
    struct Region {
        uint64_t guest_address;
        uint64_t size;
        uint32_t slot;
        Mapping mapping;
        uint8_t* host() const noexcept { return static_cast<uint8_t*>(mapping.get()); }
    };

    const VmFd& vm_;
    std::vector<Region> regions_;  // sorted by guest_address
    bool dirty_logging_ = false;
};

}  // namespace vmm4j
