#pragma once

#include "bus/bus_device.h"

namespace vmm4j {

// A device implemented in Java, reached through the IoUpcall.
class JavaDevice final : public BusDevice {
public:
    explicit JavaDevice(int32_t device_key) : device_key_(device_key) {}
    bool read(AccessContext& context, uint64_t offset, uint32_t size, uint64_t& value) override;
    bool write(AccessContext& context, uint64_t offset, uint32_t size, uint64_t value) override;

private:
    int32_t device_key_;
};

// Calls Java; false when Java reported failure, no upcall is installed, or the call threw.
bool call_java(AccessContext& context, int32_t device_key, uint64_t address, uint32_t size, bool is_write,
               uint64_t data, uint64_t* read_value);

}  // namespace vmm4j
