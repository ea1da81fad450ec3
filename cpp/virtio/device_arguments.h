#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "virtio/virtio_device.h"

namespace vmm4j::virtio {

// What Java passes to build a virtio device of any kind (io.vmm4j.devices.virtio.NativeDeviceSpec);
// each kind reads what it needs and refuses what it cannot use.
struct DeviceArguments {
    std::string path;              // a backing file (blk)
    std::string label;             // an id the guest can read (blk's serial)
    std::vector<int64_t> numbers;  // kind-specific (blk: 1 when read-only)
    int32_t output_key = -1;       // the Java output sink, for a device that produces output
};

// A built device, and what its Java model needs to know from it (blk: the capacity in sectors).
struct BuiltDevice {
    std::unique_ptr<VirtioDevice> device;
    std::vector<int64_t> results;
};

}  // namespace vmm4j::virtio
