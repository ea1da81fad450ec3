#pragma once

#include <sys/uio.h>

#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "virtio/device_arguments.h"
#include "virtio/virtio_device.h"

namespace vmm4j::virtio {

// virtio-blk (virtio 1.2 §5.2) over a host file: one request queue; read, write, flush and
// get-id; data moves with preadv/pwritev straight between the file and guest memory.
// Java builds the configuration space (capacity, seg_max) from the capacity create() reports.
class BlockDevice final : public VirtioDevice {
public:
    static constexpr uint32_t kDeviceId = 2;
    static constexpr uint32_t kSectorSize = 512;
    static constexpr uint32_t kIdBytes = 20;
    // The features this device implements beyond the transport's (Java offers them).
    static constexpr uint64_t kFeatureSegMax = 1ULL << 2;
    static constexpr uint64_t kFeatureReadOnly = 1ULL << 5;
    static constexpr uint64_t kFeatureFlush = 1ULL << 9;
    enum Status : uint8_t { kOk = 0, kIoError = 1, kUnsupported = 2 };
    enum Type : uint32_t { kIn = 0, kOut = 1, kFlush = 4, kGetId = 8 };

    // The backing file, opened before the device registers anything with KVM.
    struct Backing {
        UniqueFd file;
        uint64_t capacity_bytes;  // whole sectors only
    };
    static Backing open_backing(const std::string& path, bool read_only);

    BlockDevice(const DeviceContext& context, std::string name, Backing backing, bool read_only, std::string id);
    // arguments: path, label (the serial), numbers {read_only}; results {capacity in sectors}.
    static BuiltDevice create(const DeviceContext& context, const DeviceArguments& arguments);

    uint64_t capacity_sectors() const noexcept { return capacity_bytes_ / kSectorSize; }

protected:
    void process(uint16_t index) override;

private:
    const char* handle(const Chain& chain, uint32_t& used_length);
    uint8_t transfer(bool write, uint64_t sector, uint64_t bytes);

    bool read_only_;
    std::string id_;
    UniqueFd file_;
    uint64_t capacity_bytes_ = 0;  // whole sectors only
    std::vector<iovec> iov_;
};

}  // namespace vmm4j::virtio
