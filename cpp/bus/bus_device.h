#pragma once

#include <cstdint>

#include "bus/access_context.h"

namespace vmm4j {

// A device on a PIO or MMIO bus. `offset` is relative to the start of the device's range.
// Returning false reports a device failure: the vCPU leaves its loop with DeviceError.
// Called from vCPU threads, possibly from several at once.
class BusDevice {
public:
    virtual ~BusDevice() = default;
    virtual bool read(AccessContext& context, uint64_t offset, uint32_t size, uint64_t& value) = 0;
    virtual bool write(AccessContext& context, uint64_t offset, uint32_t size, uint64_t value) = 0;
    // Sends the output this device held back (AccessContext::hold); false when that failed, with
    // the device named in the context. Any thread may call it.
    virtual bool flush_output(AccessContext&) { return true; }
};

}  // namespace vmm4j
