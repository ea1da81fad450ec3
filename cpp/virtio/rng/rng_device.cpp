#include "virtio/rng/rng_device.h"

#include <sys/random.h>

#include <cerrno>

#include "common/error.h"

namespace vmm4j::virtio {

BuiltDevice RngDevice::create(const DeviceContext& context, const DeviceArguments& arguments) {
    if (!arguments.path.empty() || !arguments.numbers.empty() || arguments.output_key >= 0) {
        throw_invalid("virtio-rng", "takes no arguments");
    }
    return BuiltDevice{std::make_unique<RngDevice>(context, "virtio-rng"), {}};
}

void RngDevice::process(uint16_t index) {
    drain(index, [](const Chain& chain, uint32_t& used) -> const char* {
        if (chain.readable_count != 0) return "device-readable buffer in an entropy request";
        uint32_t filled = 0;
        for (const Segment& segment : chain.segments) {
            uint32_t offset = 0;
            while (offset < segment.length && filled < kMaxBytesPerRequest) {
                const size_t want = std::min<uint32_t>(segment.length - offset, kMaxBytesPerRequest - filled);
                const ssize_t got = ::getrandom(segment.host + offset, want, 0);
                if (got < 0) {
                    if (errno == EINTR) continue;
                    throw_errno("getrandom", "virtio-rng");
                }
                offset += static_cast<uint32_t>(got);
                filled += static_cast<uint32_t>(got);
            }
        }
        used = filled;
        return nullptr;
    });
}

}  // namespace vmm4j::virtio
