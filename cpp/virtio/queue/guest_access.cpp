#include "virtio/queue/guest_access.h"

#include "memory/guest_memory.h"

namespace vmm4j {

uint8_t* GuestMemoryAccess::translate(uint64_t address, uint64_t length) const noexcept {
    return memory_.translate(address, length);
}

void GuestMemoryAccess::mark_dirty(uint64_t address, uint64_t length) const noexcept {
    memory_.mark_dirty(address, length);
}

}  // namespace vmm4j
