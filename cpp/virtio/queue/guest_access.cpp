#include "virtio/queue/guest_access.h"

#include "memory/guest_memory.h"

namespace vmm4j {

uint8_t* GuestMemoryAccess::translate(uint64_t address, uint64_t length) const noexcept {
    return memory_.translate(address, length);
}

}  // namespace vmm4j
