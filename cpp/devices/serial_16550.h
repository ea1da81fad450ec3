#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "bus/bus_device.h"
#include "bus/output_sink.h"
#include "devices/irq_line.h"

namespace vmm4j {

// A native 16550A UART (8 ports) with the FIFO and interrupt behaviour Linux's 8250 driver
// probes for. Transmitted bytes are batched: each THR write appends to a buffer the vCPU holds
// (AccessContext::hold) and sends to the Java sink, in order, before it does anything else that
// could be observed, when the buffer fills, or when the hold bound passes (run/hold_timer.h).
// Received bytes are queued from Java with enqueue_input(). `irq` may be null (no interrupts,
// polled use only). `device_key` names the port when its sink fails.
class Serial16550 final : public BusDevice {
public:
    Serial16550(int32_t device_key, int32_t sink_key, std::unique_ptr<IrqLine> irq)
        : device_key_(device_key), sink_(sink_key), irq_(std::move(irq)) {}

    bool read(AccessContext& context, uint64_t offset, uint32_t size, uint64_t& value) override;
    bool write(AccessContext& context, uint64_t offset, uint32_t size, uint64_t value) override;
    bool flush_output(AccessContext& context) override;
    void enqueue_input(const uint8_t* bytes, size_t length);

    static constexpr uint64_t kPortCount = 8;
    // Input beyond this is dropped and reported as an overrun, as a real FIFO does.
    static constexpr size_t kInputCapacity = 4096;
    // Transmitted bytes held before they must be sent.
    static constexpr size_t kOutputBatch = OutputSink::kChunkBytes;

private:
    uint8_t interrupt_identification() const noexcept;
    uint8_t modem_status() const noexcept;
    void receive(uint8_t byte);
    void update_interrupt();  // with mutex_ held

    std::mutex mutex_;
    int32_t device_key_;
    OutputSink sink_;
    std::unique_ptr<IrqLine> irq_;
    std::vector<uint8_t> output_;   // transmitted, not yet sent; guarded by mutex_
    std::mutex flush_mutex_;        // one flush at a time, so batches leave in order
    std::vector<uint8_t> sending_;  // guarded by flush_mutex_
    std::deque<uint8_t> input_;
    bool overrun_ = false;
    bool transmitter_interrupt_pending_ = false;  // THR emptied since IIR last reported it
    bool irq_asserted_ = false;
    uint8_t interrupt_enable_ = 0;
    uint8_t line_control_ = 0x03;   // 8N1
    uint8_t modem_control_ = 0x08;  // OUT2
    uint8_t scratch_ = 0;
    uint8_t divisor_low_ = 0x0c;  // 9600 baud
    uint8_t divisor_high_ = 0;
    bool fifo_enabled_ = false;
};

}  // namespace vmm4j
