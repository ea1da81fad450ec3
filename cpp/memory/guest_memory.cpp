#include "memory/guest_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"

namespace vmm4j {

namespace {
std::string hex(uint64_t value) {
    char buffer[24];
    snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}
}  // namespace

uint32_t GuestMemory::add_region(uint64_t guest_address, uint64_t size) {
    const char* operation = "add memory region";
    if (size == 0) throw_invalid(operation, "size is 0");
    if (size % kPageSize != 0 || guest_address % kPageSize != 0) {
        throw_invalid(operation,
                      "address " + hex(guest_address) + " and size " + hex(size) + " must be multiples of 4096");
    }
    if (guest_address + size < guest_address) throw_invalid(operation, "range wraps around");
    for (const Region& region : regions_) {
        if (guest_address < region.guest_address + region.size && region.guest_address < guest_address + size) {
            throw CoreError(ErrorKind::Conflict, operation,
                            "[" + hex(guest_address) + ", " + hex(guest_address + size) + ") overlaps region at " +
                                hex(region.guest_address));
        }
    }
    void* host = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) throw_errno("mmap", "guest RAM of " + hex(size) + " bytes");
    Mapping mapping(host, size);
    static_assert(std::atomic<uint64_t>::is_always_lock_free && sizeof(std::atomic<uint64_t>) == 8);
    const uint64_t bitmap_bytes = Region::bitmap_words(size) * 8;
    void* bitmap =
        ::mmap(nullptr, bitmap_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (bitmap == MAP_FAILED) throw_errno("mmap", "dirty bitmap of " + hex(bitmap_bytes) + " bytes");
    Mapping vmm_dirty(bitmap, bitmap_bytes);
    const uint32_t slot = static_cast<uint32_t>(regions_.size());
    vm_.set_user_memory_region(slot, dirty_logging() ? KVM_MEM_LOG_DIRTY_PAGES : 0, guest_address, size, host);
    regions_.push_back(Region{guest_address, size, slot, std::move(mapping), std::move(vmm_dirty)});
    std::sort(regions_.begin(), regions_.end(),
              [](const Region& a, const Region& b) { return a.guest_address < b.guest_address; });
    return slot;
}

uint8_t* GuestMemory::translate(uint64_t guest_address, uint64_t length) const noexcept {
    for (const Region& region : regions_) {
        if (guest_address < region.guest_address) break;
        const uint64_t offset = guest_address - region.guest_address;
        if (offset < region.size && length <= region.size - offset) return region.host() + offset;
    }
    return nullptr;
}

uint8_t* GuestMemory::checked_translate(uint64_t guest_address, uint64_t length, const char* operation) const {
    uint8_t* host = translate(guest_address, length);
    if (host == nullptr) {
        throw CoreError(ErrorKind::OutOfBounds, operation,
                        "guest range [" + hex(guest_address) + ", +" + hex(length) + ") is outside guest memory (" +
                            hex(total_size()) + " bytes)");
    }
    return host;
}

void GuestMemory::read(uint64_t guest_address, void* destination, uint64_t length) const {
    std::memcpy(destination, checked_translate(guest_address, length, "guest memory read"), length);
}

void GuestMemory::write(uint64_t guest_address, const void* source, uint64_t length) const {
    std::memcpy(checked_translate(guest_address, length, "guest memory write"), source, length);
    mark_dirty(guest_address, length);
}

void GuestMemory::mark_dirty(uint64_t guest_address, uint64_t length) const noexcept {
    if (length == 0 || !dirty_logging()) return;
    for (const Region& region : regions_) {
        if (guest_address < region.guest_address) break;
        const uint64_t offset = guest_address - region.guest_address;
        if (offset >= region.size) continue;
        const uint64_t end = offset + std::min(length, region.size - offset);
        std::atomic<uint64_t>* words = region.vmm_dirty_words();
        for (uint64_t page = offset / kPageSize; page <= (end - 1) / kPageSize; ++page) {
            const uint64_t bit = uint64_t{1} << (page % 64);
            // Test first: a page written again and again stays one shared cache line.
            if ((words[page / 64].load(std::memory_order_relaxed) & bit) == 0) {
                words[page / 64].fetch_or(bit, std::memory_order_relaxed);
            }
        }
        return;
    }
}

void GuestMemory::set_dirty_logging(bool enabled) {
    const uint32_t flags = enabled ? KVM_MEM_LOG_DIRTY_PAGES : 0;
    for (const Region& region : regions_) {
        vm_.set_user_memory_region(region.slot, flags, region.guest_address, region.size, region.host());
        if (enabled) {  // a fresh log: forget what the VMM wrote before
            for (uint64_t i = 0; i < Region::bitmap_words(region.size); ++i)
                region.vmm_dirty_words()[i].store(0, std::memory_order_relaxed);
        }
    }
    dirty_logging_.store(enabled);
}

void GuestMemory::get_and_clear_dirty_log(uint32_t index, uint64_t* bitmap, uint64_t bitmap_words) const {
    if (!dirty_logging_) throw CoreError(ErrorKind::State, "KVM_GET_DIRTY_LOG", "dirty tracking is not enabled");
    if (index >= regions_.size()) throw_invalid("KVM_GET_DIRTY_LOG", "no memory region " + std::to_string(index));
    const Region& region = regions_[index];
    const uint64_t words = Region::bitmap_words(region.size);
    if (bitmap_words < words) throw_invalid("KVM_GET_DIRTY_LOG", "bitmap too small");
    vm_.get_dirty_log(region.slot, bitmap);
    std::atomic<uint64_t>* vmm = region.vmm_dirty_words();
    for (uint64_t i = 0; i < words; ++i) {
        if (vmm[i].load(std::memory_order_relaxed) != 0) bitmap[i] |= vmm[i].exchange(0, std::memory_order_relaxed);
    }
}

uint64_t GuestMemory::total_size() const noexcept {
    uint64_t total = 0;
    for (const Region& region : regions_) total += region.size;
    return total;
}

}  // namespace vmm4j
