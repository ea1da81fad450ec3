#include "virtio/kinds/device_kinds.h"

#include <cstring>

#include "common/error.h"
#include "virtio/block/block_device.h"
#include "virtio/console/console_device.h"
#include "virtio/rng/rng_device.h"

namespace vmm4j::virtio {
namespace {

struct Kind {
    const char* name;
    DeviceFactory create;
};

// One line per device kind; its Java half is registered in io.vmm4j.devices.virtio.VirtioDeviceKinds.
constexpr Kind kKinds[] = {
    {"block", &BlockDevice::create},
    {"rng", &RngDevice::create},
    {"console", &ConsoleDevice::create},
};

}  // namespace

DeviceFactory device_factory(const std::string& kind) {
    for (const Kind& candidate : kKinds) {
        if (kind == candidate.name) return candidate.create;
    }
    throw_invalid("virtio add", "unknown virtio device kind '" + kind + "'");
}

}  // namespace vmm4j::virtio
