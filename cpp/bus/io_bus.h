#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus_device.h"

namespace vmm4j {

// A map from address ranges to devices, for one address space (PIO or MMIO).
// Ranges may not overlap. The bus is filled before the vCPUs run and read-only after.
class IoBus {
public:
    explicit IoBus(std::string name) : name_(std::move(name)) {}

    void add(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device);

    struct Match {
        BusDevice* device;
        uint64_t offset;
    };
    // The device whose range holds [address, address + size), or {nullptr, 0}.
    Match find(uint64_t address, uint32_t size) const noexcept;

private:
    struct Range {
        uint64_t base;
        uint64_t length;
        std::shared_ptr<BusDevice> device;
    };
    std::string name_;
    std::vector<Range> ranges_;  // sorted by base
};

}  // namespace vmm4j
