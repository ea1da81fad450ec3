#pragma once

#include <cstdint>

namespace vmm4j {

class BusDevice;

// What a bus device sees of the vCPU whose exit it serves. Implemented by the run loop
// (run/exit_handler.h); bus code knows only this.
class AccessContext {
public:
    virtual int32_t vcpu_key() const noexcept = 0;
    // Names the device in the exit info, so a failure that follows is reported against it.
    virtual void name_device(int32_t device_key) noexcept = 0;
    // The value a Java device read left in the exit info during the last upcall.
    virtual uint64_t upcall_value() const noexcept = 0;
    // The device keeps output back after this access (batching); the vCPU calls its
    // flush_output() before it does anything else the guest or Java could observe.
    virtual void hold(BusDevice& device) noexcept = 0;

protected:
    ~AccessContext() = default;
};

}  // namespace vmm4j
