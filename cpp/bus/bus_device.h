#pragma once

#include <cstdint>

namespace vmm4j {

class Vcpu;

// A device on a PIO or MMIO bus. `offset` is relative to the start of the device's range.
// Returning false reports a device failure: the vCPU leaves its loop with DeviceError.
// Called from vCPU threads, possibly from several at once.
class BusDevice {
public:
    virtual ~BusDevice() = default;
    virtual bool read(Vcpu& vcpu, uint64_t offset, uint32_t size, uint64_t& value) = 0;
    virtual bool write(Vcpu& vcpu, uint64_t offset, uint32_t size, uint64_t value) = 0;
};

}  // namespace vmm4j
