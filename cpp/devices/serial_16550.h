#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

#include "bus/bus_device.h"

namespace vmm4j {

// A native 16550A UART register file (8 ports). Transmitted bytes go to a Java sink
// through the IoUpcall; received bytes are queued from Java with enqueue_input().
class Serial16550 final : public BusDevice {
public:
    explicit Serial16550(int32_t sink_key) : sink_key_(sink_key) {}

    bool read(Vcpu& vcpu, uint64_t offset, uint32_t size, uint64_t& value) override;
    bool write(Vcpu& vcpu, uint64_t offset, uint32_t size, uint64_t value) override;
    void enqueue_input(uint8_t byte);

    static constexpr uint64_t kPortCount = 8;
    static constexpr size_t kInputCapacity = 4096;  // bytes beyond this are dropped, as a real FIFO overruns

private:
    uint8_t line_status() const noexcept;

    std::mutex mutex_;
    int32_t sink_key_;
    std::deque<uint8_t> input_;
    uint8_t interrupt_enable_ = 0;
    uint8_t line_control_ = 0x03;  // 8N1
    uint8_t modem_control_ = 0x08;  // OUT2
    uint8_t scratch_ = 0;
    uint8_t divisor_low_ = 0x0c;  // 9600 baud
    uint8_t divisor_high_ = 0;
    uint8_t fifo_control_ = 0;
};

}  // namespace vmm4j
