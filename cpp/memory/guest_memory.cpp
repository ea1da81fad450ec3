#include "memory/guest_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/unique_fd.h"

namespace vmm4j {

namespace {
std::string hex(uint64_t value) {
    char buffer[24];
    snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}
}  // namespace

uint32_t GuestMemory::add_region(uint64_t guest_address, uint64_t size) {
    return add_mapped_region(guest_address, size, -1, 0);
}

uint32_t GuestMemory::add_file_region(uint64_t guest_address, uint64_t size, int fd, uint64_t file_offset) {
    if (fd < 0) throw_invalid("add memory region", "no file");
    if (file_offset % kPageSize != 0)
        throw_invalid("add memory region", "file offset " + hex(file_offset) + " is not page-aligned");
    return add_mapped_region(guest_address, size, fd, file_offset);
}

uint32_t GuestMemory::add_mapped_region(uint64_t guest_address, uint64_t size, int fd, uint64_t file_offset) {
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
    const int flags = MAP_PRIVATE | MAP_NORESERVE | (fd < 0 ? MAP_ANONYMOUS : 0);
    void* host = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, static_cast<off_t>(file_offset));
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
    Region region{guest_address, size, slot, fd >= 0, std::move(mapping), std::move(vmm_dirty), {}};
    {
        std::lock_guard<std::mutex> lock(dirty_mutex_);
        for (uint32_t reader = 0; reader < region.pending.size(); ++reader) {
            if ((dirty_readers_ >> reader) & 1) region.pending[reader].assign(Region::bitmap_words(size), 0);
        }
    }
    regions_.push_back(std::move(region));
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

void GuestMemory::set_dirty_logging(DirtyReader reader, bool enabled) {
    std::lock_guard<std::mutex> lock(dirty_mutex_);
    const uint32_t bit = uint32_t{1} << static_cast<uint32_t>(reader);
    const uint32_t readers = enabled ? (dirty_readers_ | bit) : (dirty_readers_ & ~bit);
    if ((readers != 0) != (dirty_readers_ != 0)) {
        const uint32_t flags = readers != 0 ? KVM_MEM_LOG_DIRTY_PAGES : 0;
        for (const Region& region : regions_) {
            vm_.set_user_memory_region(region.slot, flags, region.guest_address, region.size, region.host());
            if (readers != 0) {  // a fresh log: forget what the VMM wrote before
                for (uint64_t i = 0; i < Region::bitmap_words(region.size); ++i)
                    region.vmm_dirty_words()[i].store(0, std::memory_order_relaxed);
            }
        }
        dirty_logging_.store(readers != 0);
    } else if (enabled && (dirty_readers_ & bit) == 0) {
        // The log runs for the other reader: drain it into that reader's pages, so this one starts afresh.
        for (uint32_t i = 0; i < regions_.size(); ++i) drain_locked(i);
    }
    dirty_readers_ = readers;
    for (const Region& region : regions_) {
        region.pending[static_cast<uint32_t>(reader)].assign(enabled ? Region::bitmap_words(region.size) : 0, 0);
    }
}

bool GuestMemory::dirty_logging(DirtyReader reader) const noexcept {
    std::lock_guard<std::mutex> lock(dirty_mutex_);
    return (dirty_readers_ >> static_cast<uint32_t>(reader)) & 1;
}

void GuestMemory::drain_locked(uint32_t index) const {
    const Region& region = regions_[index];
    const uint64_t words = Region::bitmap_words(region.size);
    std::vector<uint64_t> drained(words);
    vm_.get_dirty_log(region.slot, drained.data());
    std::atomic<uint64_t>* vmm = region.vmm_dirty_words();
    for (uint64_t i = 0; i < words; ++i) {
        if (vmm[i].load(std::memory_order_relaxed) != 0) drained[i] |= vmm[i].exchange(0, std::memory_order_relaxed);
    }
    for (std::vector<uint64_t>& pending : region.pending) {
        if (pending.empty()) continue;  // that reader does not track
        for (uint64_t i = 0; i < words; ++i) pending[i] |= drained[i];
    }
}

void GuestMemory::get_and_clear_dirty_log(DirtyReader reader, uint32_t index, uint64_t* bitmap,
                                          uint64_t bitmap_words) const {
    std::lock_guard<std::mutex> lock(dirty_mutex_);
    if (((dirty_readers_ >> static_cast<uint32_t>(reader)) & 1) == 0) {
        throw CoreError(ErrorKind::State, "KVM_GET_DIRTY_LOG", "dirty tracking is not enabled");
    }
    if (index >= regions_.size()) throw_invalid("KVM_GET_DIRTY_LOG", "no memory region " + std::to_string(index));
    const uint64_t words = Region::bitmap_words(regions_[index].size);
    if (bitmap_words < words) throw_invalid("KVM_GET_DIRTY_LOG", "bitmap too small");
    drain_locked(index);
    std::vector<uint64_t>& pending = regions_[index].pending[static_cast<uint32_t>(reader)];
    std::copy(pending.begin(), pending.end(), bitmap);
    std::fill(pending.begin(), pending.end(), 0);
}

namespace {
bool is_zero(const uint8_t* page) noexcept {
    const auto* words = reinterpret_cast<const uint64_t*>(page);
    uint64_t any = 0;
    for (uint64_t i = 0; i < GuestMemory::kPageSize / 8; ++i) any |= words[i];
    return any == 0;
}

void write_all(int fd, const uint8_t* data, uint64_t length, uint64_t offset) {
    while (length > 0) {
        const ssize_t written = ::pwrite(fd, data, length, static_cast<off_t>(offset));
        if (written < 0) {
            if (errno == EINTR) continue;
            throw_errno("pwrite", "memory file at offset " + hex(offset));
        }
        data += written;
        offset += static_cast<uint64_t>(written);
        length -= static_cast<uint64_t>(written);
    }
}

void read_all(int fd, uint8_t* data, uint64_t length, uint64_t offset) {
    while (length > 0) {
        const ssize_t got = ::pread(fd, data, length, static_cast<off_t>(offset));
        if (got < 0) {
            if (errno == EINTR) continue;
            throw_errno("pread", "memory file at offset " + hex(offset));
        }
        if (got == 0) throw CoreError(ErrorKind::InvalidArgument, "pread", "memory file ends at offset " + hex(offset));
        data += got;
        offset += static_cast<uint64_t>(got);
        length -= static_cast<uint64_t>(got);
    }
}

// Which pages of [host, host + pages * 4096) a process has touched: present or swapped out, from
// /proc/self/pagemap (bits 63 and 62; readable without privileges). mincore would miss swapped pages.
class PageMap {
public:
    PageMap() : fd_(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) {
        if (!fd_.valid()) throw_errno("open", "/proc/self/pagemap");
    }
    void touched(const uint8_t* host, uint64_t pages, std::vector<bool>& out) const {
        out.assign(pages, false);
        constexpr uint64_t kChunk = 4096;
        std::vector<uint64_t> entries(kChunk);
        const uint64_t first = reinterpret_cast<uint64_t>(host) / GuestMemory::kPageSize;
        for (uint64_t done = 0; done < pages; done += kChunk) {
            const uint64_t count = std::min(kChunk, pages - done);
            read_all(fd_.get(), reinterpret_cast<uint8_t*>(entries.data()), count * 8, (first + done) * 8);
            for (uint64_t i = 0; i < count; ++i) out[done + i] = (entries[i] >> 62) != 0;
        }
    }

private:
    UniqueFd fd_;
};
}  // namespace

uint64_t GuestMemory::save_region(uint32_t index, int fd, uint64_t file_offset, const uint64_t* pages) const {
    if (index >= regions_.size()) throw_invalid("save memory", "no memory region " + std::to_string(index));
    const Region& region = regions_[index];
    const uint64_t count = region.size / kPageSize;
    std::vector<bool> candidate;
    if (pages != nullptr) {
        candidate.assign(count, false);
        for (uint64_t page = 0; page < count; ++page) candidate[page] = (pages[page / 64] >> (page % 64)) & 1;
    } else if (region.file_backed) {
        candidate.assign(count, true);
    } else {
        PageMap().touched(region.host(), count, candidate);
    }
    uint64_t written = 0;
    uint64_t run_start = 0, run_length = 0;  // in pages
    auto flush = [&] {
        if (run_length == 0) return;
        write_all(fd, region.host() + run_start * kPageSize, run_length * kPageSize,
                  file_offset + run_start * kPageSize);
        written += run_length * kPageSize;
        run_length = 0;
    };
    for (uint64_t page = 0; page < count; ++page) {
        if (!candidate[page] || is_zero(region.host() + page * kPageSize)) {
            flush();
            continue;
        }
        if (run_length == 0) run_start = page;
        ++run_length;
    }
    flush();
    return written;
}

void GuestMemory::overlay_region(uint32_t index, int fd, uint64_t file_offset, const uint64_t* pages) const {
    if (index >= regions_.size()) throw_invalid("overlay memory", "no memory region " + std::to_string(index));
    const Region& region = regions_[index];
    const uint64_t count = region.size / kPageSize;
    uint64_t page = 0;
    while (page < count) {
        if (((pages[page / 64] >> (page % 64)) & 1) == 0) {
            ++page;
            continue;
        }
        const uint64_t start = page;
        while (page < count && ((pages[page / 64] >> (page % 64)) & 1) != 0) ++page;
        read_all(fd, region.host() + start * kPageSize, (page - start) * kPageSize, file_offset + start * kPageSize);
    }
}

uint64_t GuestMemory::total_size() const noexcept {
    uint64_t total = 0;
    for (const Region& region : regions_) total += region.size;
    return total;
}

}  // namespace vmm4j
