#pragma once

#include <cstdint>

namespace vmm4j {

class GuestMemory;

// How queue code reaches guest memory: one bounds-checked translation per guest range.
// The VM's GuestMemory in production; a small fake memory in the fuzzer.
class GuestAccess {
public:
    virtual ~GuestAccess() = default;
    // Host pointer for [address, address + length), or nullptr if any byte lies outside guest RAM.
    virtual uint8_t* translate(uint64_t address, uint64_t length) const noexcept = 0;
    // Records that the device wrote [address, address + length), for dirty tracking.
    virtual void mark_dirty(uint64_t address, uint64_t length) const noexcept = 0;
};

// GuestAccess over the VM's RAM.
class GuestMemoryAccess final : public GuestAccess {
public:
    explicit GuestMemoryAccess(const GuestMemory& memory) : memory_(memory) {}
    uint8_t* translate(uint64_t address, uint64_t length) const noexcept override;
    void mark_dirty(uint64_t address, uint64_t length) const noexcept override;

private:
    const GuestMemory& memory_;
};

}  // namespace vmm4j
