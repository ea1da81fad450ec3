#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>

namespace vmm4j {

// A device's output on its way to Java (a serial port's or a console's OutputStream). Each chunk is
// announced by the SinkUpcall (sink key, length) and Java copies it with copy_delivered() during
// the call, so no host pointer crosses into Java and copying stays inside the core. Deliveries of
// one sink are serialised and keep their order.
class OutputSink {
public:
    // The most one upcall delivers; longer output is sent in several.
    static constexpr size_t kChunkBytes = 4096;

    // A negative key is a sink that drops everything.
    explicit OutputSink(int32_t key) noexcept : key_(key) {}

    // False when Java reported failure (the rest of `bytes` is then dropped) or no upcall is installed.
    bool send(const uint8_t* bytes, size_t length);
    int32_t key() const noexcept { return key_; }

private:
    int32_t key_;
    std::mutex mutex_;
};

// Inside a SinkUpcall: copies up to `capacity` bytes of the chunk being delivered on this thread and
// returns how many. Throws when no delivery is in progress on this thread.
size_t copy_delivered(uint8_t* destination, size_t capacity);

}  // namespace vmm4j
