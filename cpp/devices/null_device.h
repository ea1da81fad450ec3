#pragma once

#include "bus/bus_device.h"

namespace vmm4j {

// A native device that ignores writes and reads as zero: the cheapest possible handled
// exit (used by the exit benchmarks) and a way to reserve a range.
class NullDevice final : public BusDevice {
public:
    bool read(AccessContext&, uint64_t, uint32_t, uint64_t& value) override {
        value = 0;
        return true;
    }
    bool write(AccessContext&, uint64_t, uint32_t, uint64_t) override { return true; }
};

}  // namespace vmm4j
