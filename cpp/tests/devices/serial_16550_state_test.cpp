// The native 16550's state without KVM: exact round trips, the interrupt line following the
// restored registers, and malformed state refused naming the offset.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "common/error.h"
#include "common/state_buffer.h"
#include "devices/serial_16550.h"

using namespace vmm4j;

namespace {

class RecordingLine final : public IrqLine {
public:
    explicit RecordingLine(std::vector<bool>& levels) : levels_(levels) {}
    void set_level(bool asserted) override { levels_.push_back(asserted); }

private:
    std::vector<bool>& levels_;
};

// A state as Serial16550::save_state lays it out.
std::vector<uint8_t> state(uint8_t ier, uint8_t lcr, uint8_t mcr, const std::vector<uint8_t>& fifo,
                           bool overrun = false) {
    StateWriter out;
    out.u32(Serial16550::kStateVersion);
    for (uint8_t b : {ier, lcr, mcr, uint8_t{0x5a}, uint8_t{0x01}, uint8_t{0x00}}) out.u8(b);
    out.u8(1);  // FIFO enabled
    out.u8(overrun ? 1 : 0);
    out.u8(0);  // no THR-empty interrupt pending
    out.bytes(fifo.data(), fifo.size());
    return out.data();
}

TEST(Serial16550State, RoundTripIsExactAndKeepsTheFifo) {
    Serial16550 source(-1, -1, nullptr);
    const uint8_t input[] = {'a', 'b', 'c'};
    source.enqueue_input(input, sizeof input);
    const std::vector<uint8_t> saved = source.save_state();
    Serial16550 copy(-1, -1, nullptr);
    copy.restore_state(saved.data(), saved.size());
    EXPECT_EQ(saved, copy.save_state());
    // Fields written by hand come back byte for byte too.
    const std::vector<uint8_t> crafted = state(0x05, 0x83, 0x1b, {'x', 'y'}, true);
    copy.restore_state(crafted.data(), crafted.size());
    EXPECT_EQ(crafted, copy.save_state());
}

TEST(Serial16550State, RestoreDrivesTheLineTheRegistersCallFor) {
    std::vector<bool> levels;
    Serial16550 uart(-1, -1, std::make_unique<RecordingLine>(levels));
    const std::vector<uint8_t> pending = state(0x01, 0x03, 0x08, {'z'});  // receive interrupt on, a byte waiting
    uart.restore_state(pending.data(), pending.size());
    ASSERT_EQ(std::vector<bool>{true}, levels);
    const std::vector<uint8_t> quiet = state(0x01, 0x03, 0x08, {});
    uart.restore_state(quiet.data(), quiet.size());
    EXPECT_EQ((std::vector<bool>{true, false}), levels);
}

TEST(Serial16550State, MalformedStateIsRefusedNamingTheOffset) {
    Serial16550 uart(-1, -1, nullptr);
    const std::vector<uint8_t> good = state(0x01, 0x03, 0x08, {'q'});
    const std::vector<uint8_t> before = uart.save_state();
    auto refused = [&](const std::vector<uint8_t>& bytes, const std::string& expected) {
        try {
            uart.restore_state(bytes.data(), bytes.size());
            ADD_FAILURE() << "accepted: " << expected;
        } catch (const CoreError& error) {
            EXPECT_EQ(ErrorKind::InvalidArgument, error.kind());
            EXPECT_NE(std::string::npos, std::string(error.what()).find(expected)) << error.what();
        }
        EXPECT_EQ(before, uart.save_state());
    };
    for (size_t length = 0; length < good.size(); ++length) {
        refused(std::vector<uint8_t>(good.begin(), good.begin() + length), "16550 UART state, offset");
    }
    std::vector<uint8_t> version = good;
    version[0] = 2;
    refused(version, "offset 0: version 2 is not supported");
    refused(state(0x10, 0x03, 0x08, {}), "offset 4: IER has reserved bits set");
    refused(state(0x01, 0x03, 0x20, {}), "offset 6: MCR has reserved bits set");
    std::vector<uint8_t> flag = good;
    flag[10] = 2;
    refused(flag, "offset 10: FIFO enabled is 2");
    StateWriter huge;
    huge.u32(Serial16550::kStateVersion);
    for (int i = 0; i < 9; ++i) huge.u8(0);
    huge.u32(Serial16550::kInputCapacity + 1);
    refused(huge.data(), "receive FIFO has 4097 bytes");
    std::vector<uint8_t> longer = good;
    longer.push_back(0);
    refused(longer, "1 bytes after the last field");
}

}  // namespace
