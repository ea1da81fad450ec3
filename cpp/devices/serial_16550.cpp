#include "devices/serial_16550.h"

namespace vmm4j {

namespace {
constexpr uint64_t kData = 0, kInterruptEnable = 1, kInterruptId = 2, kLineControl = 3, kModemControl = 4,
                   kLineStatus = 5, kModemStatus = 6, kScratch = 7;
constexpr uint8_t kLcrDivisorLatch = 0x80;
constexpr uint8_t kIerReceivedData = 0x01, kIerTransmitterEmpty = 0x02, kIerLineStatus = 0x04;
constexpr uint8_t kLsrDataReady = 0x01, kLsrOverrun = 0x02, kLsrThrEmpty = 0x20, kLsrTransmitterEmpty = 0x40;
constexpr uint8_t kIirNone = 0x01, kIirLineStatus = 0x06, kIirReceivedData = 0x04, kIirTransmitterEmpty = 0x02;
constexpr uint8_t kIirFifoEnabled = 0xc0;
constexpr uint8_t kFcrEnable = 0x01, kFcrClearReceive = 0x02;
constexpr uint8_t kMcrLoop = 0x10;
constexpr uint8_t kMsrConnected = 0xb0;  // DCD, DSR and CTS: a terminal is always attached
}  // namespace

uint8_t Serial16550::interrupt_identification() const noexcept {
    // Highest priority first, as in the 16550A data sheet.
    uint8_t id = kIirNone;
    if ((interrupt_enable_ & kIerLineStatus) && overrun_) {
        id = kIirLineStatus;
    } else if ((interrupt_enable_ & kIerReceivedData) && !input_.empty()) {
        id = kIirReceivedData;
    } else if ((interrupt_enable_ & kIerTransmitterEmpty) && transmitter_interrupt_pending_) {
        id = kIirTransmitterEmpty;
    }
    return id | (fifo_enabled_ ? kIirFifoEnabled : 0);
}

uint8_t Serial16550::modem_status() const noexcept {
    if (!(modem_control_ & kMcrLoop)) return kMsrConnected;
    // Loopback wires RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD; Linux's probe checks this.
    const uint8_t m = modem_control_;
    return static_cast<uint8_t>(((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4));
}

void Serial16550::update_interrupt() {
    const bool asserted = (interrupt_identification() & kIirNone) == 0;
    if (irq_ && asserted != irq_asserted_) irq_->set_level(asserted);
    irq_asserted_ = asserted;
}

void Serial16550::receive(uint8_t byte) {
    if (input_.size() >= kInputCapacity) {
        overrun_ = true;
        return;
    }
    input_.push_back(byte);
}

bool Serial16550::read(AccessContext&, uint64_t offset, uint32_t, uint64_t& value) {
    std::lock_guard<std::mutex> lock(mutex_);
    const bool dlab = (line_control_ & kLcrDivisorLatch) != 0;
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
        case kInterruptId: {
            const uint8_t id = interrupt_identification();
            value = id;
            // Reading IIR while it reports THR empty acknowledges that interrupt.
            if ((id & 0x0f) == kIirTransmitterEmpty) transmitter_interrupt_pending_ = false;
            break;
        }
        case kLineControl: value = line_control_; break;
        case kModemControl: value = modem_control_; break;
        case kLineStatus:
            // Output is never throttled, so the transmitter is always empty.
            value = kLsrThrEmpty | kLsrTransmitterEmpty | (input_.empty() ? 0 : kLsrDataReady) |
                    (overrun_ ? kLsrOverrun : 0);
            overrun_ = false;
            break;
        case kModemStatus: value = modem_status(); break;
        case kScratch: value = scratch_; break;
        default: value = 0xff; break;
    }
    update_interrupt();
    return true;
}

bool Serial16550::write(AccessContext& context, uint64_t offset, uint32_t, uint64_t value) {
    const uint8_t byte = static_cast<uint8_t>(value);
    bool transmitted = false;
    bool full = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        const bool dlab = (line_control_ & kLcrDivisorLatch) != 0;
        switch (offset) {
            case kData:
                if (dlab) {
                    divisor_low_ = byte;
                } else {
                    if (modem_control_ & kMcrLoop) {
                        receive(byte);
                    } else {
                        output_.push_back(byte);
                        transmitted = true;
                        full = output_.size() >= kOutputBatch;
                    }
                    transmitter_interrupt_pending_ = true;  // sent at once, so THR is empty again
                }
                break;
            case kInterruptEnable:
                if (dlab) {
                    divisor_high_ = byte;
                } else {
                    // Enabling the THR-empty interrupt while THR is empty raises it at once.
                    if ((byte & kIerTransmitterEmpty) && !(interrupt_enable_ & kIerTransmitterEmpty)) {
                        transmitter_interrupt_pending_ = true;
                    }
                    interrupt_enable_ = byte & 0x0f;
                }
                break;
            case kInterruptId: {  // FCR
                const bool enable = (byte & kFcrEnable) != 0;
                if (enable != fifo_enabled_ || (byte & kFcrClearReceive)) input_.clear();
                fifo_enabled_ = enable;
                break;
            }
            case kLineControl: line_control_ = byte; break;
            case kModemControl: modem_control_ = byte & 0x1f; break;
            case kScratch: scratch_ = byte; break;
            default: break;  // LSR and MSR are read-only
        }
        update_interrupt();
    }
    if (!transmitted) return true;
    if (full) return flush_output(context);
    context.hold(*this);
    return true;
}

bool Serial16550::flush_output(AccessContext& context) {
    // The sink is called outside mutex_: it may block on a slow consumer while vCPUs go on
    // writing; flush_mutex_ keeps batches in the order they were taken.
    std::lock_guard<std::mutex> flushing(flush_mutex_);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        sending_.swap(output_);
    }
    const bool sent = sink_.send(sending_.data(), sending_.size());
    sending_.clear();
    if (!sent) context.name_device(device_key_);
    return sent;
}

void Serial16550::enqueue_input(const uint8_t* bytes, size_t length) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (size_t i = 0; i < length; ++i) receive(bytes[i]);
    update_interrupt();
}

}  // namespace vmm4j
