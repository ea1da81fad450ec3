#include "bus/output_sink.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "bus/upcall.h"
#include "common/error.h"

namespace vmm4j {

namespace {
std::atomic<SinkUpcall> installed_upcall{nullptr};

// The chunk a SinkUpcall on this thread announces; null outside one.
struct Delivery {
    const uint8_t* bytes = nullptr;
    size_t length = 0;
};
thread_local Delivery delivery;

class Delivering {
public:
    Delivering(const uint8_t* bytes, size_t length) noexcept { delivery = Delivery{bytes, length}; }
    ~Delivering() { delivery = Delivery{}; }
};
}  // namespace

void set_sink_upcall(SinkUpcall upcall) noexcept { installed_upcall.store(upcall, std::memory_order_release); }

SinkUpcall sink_upcall() noexcept { return installed_upcall.load(std::memory_order_acquire); }

bool OutputSink::send(const uint8_t* bytes, size_t length) {
    if (key_ < 0 || length == 0) return true;
    const SinkUpcall upcall = sink_upcall();
    if (upcall == nullptr) return false;
    std::lock_guard<std::mutex> guard(mutex_);
    for (size_t done = 0; done < length;) {
        const size_t chunk = std::min(length - done, kChunkBytes);
        int32_t status;
        try {
            Delivering delivering(bytes + done, chunk);
            status = upcall(key_, static_cast<int32_t>(chunk));
        } catch (...) {
            // The Java side catches everything; this guards against a JavaCPP-translated exception.
            return false;
        }
        if (status != 0) return false;
        done += chunk;
    }
    return true;
}

size_t copy_delivered(uint8_t* destination, size_t capacity) {
    if (delivery.bytes == nullptr) {
        throw CoreError(ErrorKind::State, "sink copy", "no sink output is being delivered on this thread");
    }
    const size_t count = std::min(capacity, delivery.length);
    std::memcpy(destination, delivery.bytes, count);
    return count;
}

}  // namespace vmm4j
