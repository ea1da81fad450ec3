#include "bus/io_bus.h"

#include <algorithm>
#include <cstdio>

#include "common/error.h"

namespace vmm4j {

namespace {
std::string describe(uint64_t base, uint64_t length) {
    char buffer[64];
    snprintf(buffer, sizeof buffer, "[0x%llx, 0x%llx)", static_cast<unsigned long long>(base),
             static_cast<unsigned long long>(base + length));
    return buffer;
}
}  // namespace

void IoBus::add(uint64_t base, uint64_t length, std::shared_ptr<BusDevice> device) {
    const std::string operation = "add " + name_ + " device";
    if (length == 0) throw_invalid(operation, "range length is 0");
    if (base + length < base) throw_invalid(operation, "range " + describe(base, length) + " wraps around");
    for (const Range& range : ranges_) {
        if (base < range.base + range.length && range.base < base + length) {
            throw CoreError(ErrorKind::Conflict, operation,
                            describe(base, length) + " overlaps " + describe(range.base, range.length));
        }
    }
    auto position = std::upper_bound(ranges_.begin(), ranges_.end(), base,
                                     [](uint64_t value, const Range& range) { return value < range.base; });
    ranges_.insert(position, Range{base, length, std::move(device)});
}

IoBus::Match IoBus::find(uint64_t address, uint32_t size) const noexcept {
    auto position = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                                     [](uint64_t value, const Range& range) { return value < range.base; });
    if (position == ranges_.begin()) return {nullptr, 0};
    const Range& range = *(position - 1);
    const uint64_t offset = address - range.base;
    if (offset >= range.length || size > range.length - offset) return {nullptr, 0};
    return {range.device.get(), offset};
}

}  // namespace vmm4j
