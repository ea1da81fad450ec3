#include "virtio/block/block_device.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"

namespace vmm4j::virtio {

namespace {
constexpr uint32_t kHeaderBytes = 16;

// Copies `length` bytes starting `offset` bytes into the readable part of the chain.
bool gather(const Chain& chain, uint64_t offset, void* destination, size_t length) {
    auto* out = static_cast<uint8_t*>(destination);
    for (size_t i = 0; i < chain.readable_count && length > 0; ++i) {
        const Segment& segment = chain.segments[i];
        if (offset >= segment.length) {
            offset -= segment.length;
            continue;
        }
        const size_t take = std::min<uint64_t>(segment.length - offset, length);
        std::memcpy(out, segment.host + offset, take);
        out += take;
        length -= take;
        offset = 0;
    }
    return length == 0;
}
}  // namespace

BlockDevice::Backing BlockDevice::open_backing(const std::string& path, bool read_only) {
    UniqueFd file(::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
    if (!file.valid()) throw_errno("open", "virtio-blk backing file " + path);
    const off_t end = ::lseek(file.get(), 0, SEEK_END);  // also right for block devices
    if (end < 0) throw_errno("lseek", "virtio-blk backing file " + path);
    return Backing{std::move(file), static_cast<uint64_t>(end) / kSectorSize * kSectorSize};
}

BlockDevice::BlockDevice(const DeviceContext& context, std::string name, Backing backing, bool read_only,
                         std::string id)
    : VirtioDevice(context, std::move(name), 1),
      read_only_(read_only),
      id_(std::move(id)),
      file_(std::move(backing.file)),
      capacity_bytes_(backing.capacity_bytes) {
    iov_.reserve(64);
}

BuiltDevice BlockDevice::create(const DeviceContext& context, const DeviceArguments& arguments) {
    if (arguments.path.empty()) throw_invalid("virtio-blk", "no backing file path");
    if (arguments.numbers.size() != 1) throw_invalid("virtio-blk", "expects one number (read-only)");
    const bool read_only = arguments.numbers[0] != 0;
    auto device = std::make_unique<BlockDevice>(context, "virtio-blk " + arguments.path,
                                                open_backing(arguments.path, read_only), read_only, arguments.label);
    const auto capacity = static_cast<int64_t>(device->capacity_sectors());
    return BuiltDevice{std::move(device), {capacity}};
}

void BlockDevice::process(uint16_t index) {
    drain(index, [this](const Chain& chain, uint32_t& used) { return handle(chain, used); });
}

const char* BlockDevice::handle(const Chain& chain, uint32_t& used_length) {
    // §5.2.6: a device-readable header, data, and a device-writable status byte at the end.
    if (chain.readable_bytes < kHeaderBytes) return "request header is not device-readable";
    if (chain.writable_bytes < 1) return "request status byte is not device-writable";
    struct {
        uint32_t type;
        uint32_t reserved;
        uint64_t sector;
    } header;
    gather(chain, 0, &header, sizeof header);
    const Segment& last = chain.segments.back();
    uint8_t* status = last.host + last.length - 1;  // writable: the chain ends with writable bytes

    // Data iovecs: after the header (OUT), or before the status byte (IN, GET_ID).
    iov_.clear();
    uint64_t data_bytes = 0;
    const bool device_writes = header.type == kIn || header.type == kGetId;
    if (device_writes) {
        uint64_t remaining = chain.writable_bytes - 1;
        for (size_t i = chain.readable_count; i < chain.segments.size() && remaining > 0; ++i) {
            const Segment& s = chain.segments[i];
            const uint64_t take = std::min<uint64_t>(s.length, remaining);
            if (take > 0) iov_.push_back(iovec{s.host, take});
            remaining -= take;
        }
        data_bytes = chain.writable_bytes - 1;
    } else {
        uint64_t skip = kHeaderBytes;
        for (size_t i = 0; i < chain.readable_count; ++i) {
            const Segment& s = chain.segments[i];
            const uint64_t from = std::min<uint64_t>(skip, s.length);
            skip -= from;
            if (s.length > from) iov_.push_back(iovec{s.host + from, s.length - from});
        }
        data_bytes = chain.readable_bytes - kHeaderBytes;
    }

    uint8_t result = kOk;
    uint64_t written_to_guest = 0;
    switch (header.type) {
        case kIn:
            result = transfer(false, header.sector, data_bytes);
            if (result == kOk) written_to_guest = data_bytes;
            break;
        case kOut: result = read_only_ ? uint8_t(kIoError) : transfer(true, header.sector, data_bytes); break;
        case kFlush:
            if (!read_only_ && ::fdatasync(file_.get()) < 0) result = kIoError;
            break;
        case kGetId: {
            // Up to 20 bytes, NUL-padded (not terminated when exactly 20).
            char id[kIdBytes] = {};
            std::memcpy(id, id_.data(), std::min<size_t>(id_.size(), kIdBytes));
            uint64_t copied = 0;
            for (const iovec& v : iov_) {
                if (copied == kIdBytes) break;
                const size_t take = std::min<uint64_t>(v.iov_len, kIdBytes - copied);
                std::memcpy(v.iov_base, id + copied, take);
                copied += take;
            }
            written_to_guest = copied;
            break;
        }
        default: result = kUnsupported; break;
    }
    *status = result;
    used_length = static_cast<uint32_t>(written_to_guest + 1);
    return nullptr;
}

uint8_t BlockDevice::transfer(bool write, uint64_t sector, uint64_t bytes) {
    if (bytes % kSectorSize != 0) return kIoError;
    const uint64_t capacity = capacity_sectors();
    if (sector > capacity || bytes / kSectorSize > capacity - sector) return kIoError;  // never outside the file
    uint64_t offset = sector * kSectorSize;
    size_t first = 0;
    while (first < iov_.size()) {
        const int count = static_cast<int>(std::min<size_t>(iov_.size() - first, IOV_MAX));
        ssize_t done;
        if (count == 1) {  // the common case; pread skips importing an iovec array (as QEMU does)
            const iovec& v = iov_[first];
            done = write ? ::pwrite(file_.get(), v.iov_base, v.iov_len, static_cast<off_t>(offset))
                         : ::pread(file_.get(), v.iov_base, v.iov_len, static_cast<off_t>(offset));
        } else {
            done = write ? ::pwritev(file_.get(), &iov_[first], count, static_cast<off_t>(offset))
                         : ::preadv(file_.get(), &iov_[first], count, static_cast<off_t>(offset));
        }
        if (done < 0) {
            if (errno == EINTR) continue;
            return kIoError;
        }
        if (done == 0) return kIoError;  // the file shrank under us
        offset += static_cast<uint64_t>(done);
        // Advance past what was transferred; a short transfer resumes mid-iovec.
        while (done > 0 && first < iov_.size()) {
            iovec& v = iov_[first];
            if (static_cast<size_t>(done) >= v.iov_len) {
                done -= static_cast<ssize_t>(v.iov_len);
                ++first;
            } else {
                v.iov_base = static_cast<uint8_t*>(v.iov_base) + done;
                v.iov_len -= static_cast<size_t>(done);
                done = 0;
            }
        }
    }
    return kOk;
}

}  // namespace vmm4j::virtio
