#include "bus/java_device.h"

#include <atomic>

#include "bus/upcall.h"

namespace vmm4j {

namespace {
std::atomic<IoUpcall> installed_upcall{nullptr};
}

void set_io_upcall(IoUpcall upcall) noexcept { installed_upcall.store(upcall, std::memory_order_release); }

IoUpcall io_upcall() noexcept { return installed_upcall.load(std::memory_order_acquire); }

bool call_java(AccessContext& context, int32_t device_key, uint64_t address, uint32_t size, bool is_write,
               uint64_t data, uint64_t* read_value) {
    context.name_device(device_key);  // names the device if this call fails
    IoUpcall upcall = io_upcall();
    if (upcall == nullptr) return false;
    int32_t status;
    try {
        status = upcall(context.vcpu_key(), device_key, static_cast<int64_t>(address), static_cast<int32_t>(size),
                        is_write ? 1 : 0, static_cast<int64_t>(data));
    } catch (...) {
        // The Java side catches everything; this guards against a JavaCPP-translated exception.
        return false;
    }
    if (status != 0) return false;
    if (read_value != nullptr) *read_value = context.upcall_value();
    return true;
}

bool JavaDevice::read(AccessContext& context, uint64_t offset, uint32_t size, uint64_t& value) {
    return call_java(context, device_key_, offset, size, false, 0, &value);
}

bool JavaDevice::write(AccessContext& context, uint64_t offset, uint32_t size, uint64_t value) {
    return call_java(context, device_key_, offset, size, true, value, nullptr);
}

}  // namespace vmm4j
