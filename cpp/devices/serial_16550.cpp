#include "devices/serial_16550.h"

#include "bus/java_device.h"

namespace vmm4j {

namespace {
constexpr uint64_t kData = 0, kInterruptEnable = 1, kInterruptId = 2, kLineControl = 3, kModemControl = 4,
                   kLineStatus = 5, kModemStatus = 6, kScratch = 7;
constexpr uint8_t kDivisorLatch = 0x80;
constexpr uint8_t kLsrDataReady = 0x01, kLsrThrEmpty = 0x20, kLsrTransmitterEmpty = 0x40;
constexpr uint8_t kIirNoInterrupt = 0x01, kIirFifoEnabled = 0xc0;
constexpr uint8_t kMcrLoop = 0x10;
// In loopback the modem-status inputs follow the modem-control outputs; otherwise report DCD, DSR and CTS.
constexpr uint8_t kMsrConnected = 0xb0;
}  // namespace

uint8_t Serial16550::line_status() const noexcept {
    // Output is never throttled, so the transmitter is always ready.
    return kLsrThrEmpty | kLsrTransmitterEmpty | (input_.empty() ? 0 : kLsrDataReady);
}

bool Serial16550::read(Vcpu&, uint64_t offset, uint32_t, uint64_t& value) {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool dlab = (line_control_ & kDivisorLatch) != 0;
    switch (offset) {
        case kData:
            if (dlab) {
                value = divisor_low_;
            } else if (input_.empty()) {
                value = 0;
            } else {
                value = input_.front();
                input_.pop_front();
            }
            break;
        case kInterruptEnable: value = dlab ? divisor_high_ : interrupt_enable_; break;
        case kInterruptId: value = kIirNoInterrupt | ((fifo_control_ & 1) ? kIirFifoEnabled : 0); break;
        case kLineControl: value = line_control_; break;
        case kModemControl: value = modem_control_; break;
        case kLineStatus: value = line_status(); break;
        case kModemStatus:
            value = (modem_control_ & kMcrLoop) ? ((modem_control_ & 0x0f) << 4) : kMsrConnected;
            break;
        case kScratch: value = scratch_; break;
        default: value = 0xff; break;
    }
    return true;
}

bool Serial16550::write(Vcpu& vcpu, uint64_t offset, uint32_t, uint64_t value) {
    const uint8_t byte = static_cast<uint8_t>(value);
    int32_t sink_key = -1;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const bool dlab = (line_control_ & kDivisorLatch) != 0;
        switch (offset) {
            case kData:
                if (dlab) {
                    divisor_low_ = byte;
                } else if (modem_control_ & kMcrLoop) {
                    if (input_.size() < kInputCapacity) input_.push_back(byte);
                } else {
                    sink_key = sink_key_;
                }
                break;
            case kInterruptEnable:
                if (dlab) divisor_high_ = byte; else interrupt_enable_ = byte & 0x0f;
                break;
            case kInterruptId:
                fifo_control_ = byte;
                if (byte & 0x02) input_.clear();  // FCR: clear receive FIFO
                break;
            case kLineControl: line_control_ = byte; break;
            case kModemControl: modem_control_ = byte & 0x1f; break;
            case kScratch: scratch_ = byte; break;
            default: break;  // LSR and MSR are read-only
        }
    }
    // The sink is called outside the lock: it may block on a slow consumer.
    if (sink_key >= 0) return call_java(vcpu, sink_key, 0, 1, true, byte, nullptr);
    return true;
}

void Serial16550::enqueue_input(uint8_t byte) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (input_.size() < kInputCapacity) input_.push_back(byte);
}

}  // namespace vmm4j
