// Exit handling without KVM (cpp/run/exit_handler): handle_exit() over synthetic exits in a
// kvm_run area the test owns, as Firecracker's vstate tests do, with native devices, a Java
// device behind a fake upcall, and devices that hold output back. (The folder is not called
// run: cpp/tests/run is the script.)
#include "run/exit_handler.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bus/java_device.h"
#include "bus/upcall.h"

using namespace vmm4j;

namespace {

constexpr int32_t kVcpuKey = 5;
constexpr int32_t kJavaKey = 7;
constexpr uint64_t kAreaBytes = 8192;
constexpr uint32_t kDataOffset = 4096;  // where KVM puts PIO data (KVM_PIO_PAGE_OFFSET)

std::vector<std::string> events;  // what devices and upcalls saw, in order

// A native device that logs every access and reads back `value`.
class LoggingDevice final : public BusDevice {
public:
    explicit LoggingDevice(std::string name, uint64_t value = 0) : name_(std::move(name)), value_(value) {}
    bool read(AccessContext&, uint64_t offset, uint32_t size, uint64_t& value) override {
        events.push_back(name_ + " read " + std::to_string(offset) + "/" + std::to_string(size));
        value = value_;
        return true;
    }
    bool write(AccessContext&, uint64_t offset, uint32_t size, uint64_t value) override {
        events.push_back(name_ + " write " + std::to_string(offset) + "/" + std::to_string(size) + "=" +
                         std::to_string(value));
        return true;
    }

private:
    std::string name_;
    uint64_t value_;
};

// Holds every write back, as the 16550 does, until flushed.
class HoldingDevice final : public BusDevice {
public:
    explicit HoldingDevice(bool flush_fails = false) : flush_fails_(flush_fails) {}
    bool read(AccessContext&, uint64_t, uint32_t, uint64_t& value) override {
        events.push_back("holder read");
        value = 0;
        return true;
    }
    bool write(AccessContext& context, uint64_t, uint32_t, uint64_t value) override {
        held_ += static_cast<char>(value);
        context.hold(*this);
        return true;
    }
    bool flush_output(AccessContext& context) override {
        events.push_back("flush " + held_);
        held_.clear();
        if (flush_fails_) context.name_device(42);
        return !flush_fails_;
    }

private:
    bool flush_fails_;
    std::string held_;
};

int64_t* upcall_exit_info = nullptr;
int32_t upcall_status = 0;
int32_t fake_io_upcall(int32_t vcpu_key, int32_t device_key, int64_t address, int32_t size, int32_t is_write,
                       int64_t data) {
    events.push_back("upcall vcpu " + std::to_string(vcpu_key) + " device " + std::to_string(device_key) + " " +
                     (is_write ? "write " : "read ") + std::to_string(address) + "/" + std::to_string(size) + "=" +
                     std::to_string(data));
    if (!is_write) upcall_exit_info[ExitInfo::kUpcallValue] = 0xcafe;
    return upcall_status;
}

class ExitHandlerTest : public ::testing::Test {
protected:
    void SetUp() override {
        events.clear();
        upcall_exit_info = exit_info_;
        upcall_status = 0;
        set_io_upcall(fake_io_upcall);
        pio_.add(0x3f8, 8, std::make_shared<LoggingDevice>("uart", 0x1234));
        pio_.add(0x80, 1, holder_);
        pio_.add(0x81, 1, failing_holder_);
        mmio_.add(0xd0000000, 0x1000, std::make_shared<JavaDevice>(kJavaKey));
        mmio_.add(0xd0001000, 0x1000, std::make_shared<LoggingDevice>("mmio", 0x1122334455667788));
    }
    void TearDown() override { set_io_upcall(nullptr); }

    kvm_run& state() { return *reinterpret_cast<kvm_run*>(area_.data()); }
    uint8_t* pio_data() { return area_.data() + kDataOffset; }

    void pio(uint16_t port, bool write, uint32_t size, uint32_t count = 1, uint64_t offset = kDataOffset) {
        state().exit_reason = KVM_EXIT_IO;
        state().io.direction = write ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
        state().io.port = port;
        state().io.size = static_cast<uint8_t>(size);
        state().io.count = count;
        state().io.data_offset = offset;
    }
    void mmio(uint64_t address, bool write, uint32_t length, uint64_t value = 0) {
        state().exit_reason = KVM_EXIT_MMIO;
        state().mmio.phys_addr = address;
        state().mmio.is_write = write;
        state().mmio.len = length;
        std::memcpy(state().mmio.data, &value, sizeof value);
    }
    Step handle(RunMode mode = RunMode::Managed) {
        return handle_exit(RunArea{&state(), kAreaBytes}, pio_, mmio_, context_, mode, kind_);
    }

    struct alignas(4096) Area {
        uint8_t bytes[kAreaBytes] = {};
        uint8_t* data() { return bytes; }
    };
    std::unique_ptr<Area> owned_area_ = std::make_unique<Area>();
    Area& area_ = *owned_area_;
    IoBus pio_{"PIO"};
    IoBus mmio_{"MMIO"};
    std::shared_ptr<HoldingDevice> holder_ = std::make_shared<HoldingDevice>();
    std::shared_ptr<HoldingDevice> failing_holder_ = std::make_shared<HoldingDevice>(true);
    int64_t exit_info_[ExitInfo::kSlots] = {};
    ExitContext context_{kVcpuKey, exit_info_};
    ExitKind kind_ = ExitKind::Interrupted;
};

TEST_F(ExitHandlerTest, PortWriteGoesToTheNativeDeviceInline) {
    pio(0x3f9, true, 1);
    pio_data()[0] = 'A';
    EXPECT_EQ(handle(), Step::Continue);
    EXPECT_EQ(events, std::vector<std::string>{"uart write 1/1=65"});
    EXPECT_EQ(exit_info_[ExitInfo::kAddress], 0x3f9);
    EXPECT_EQ(exit_info_[ExitInfo::kData], 'A');
}

TEST_F(ExitHandlerTest, PortReadStoresTheDeviceValueInTheDataArea) {
    pio(0x3f8, false, 2);
    EXPECT_EQ(handle(RunMode::Manual), Step::Continue);
    uint16_t value = 0;
    std::memcpy(&value, pio_data(), sizeof value);
    EXPECT_EQ(value, 0x1234);
}

TEST_F(ExitHandlerTest, StringPortWriteCallsTheDeviceOncePerRepetition) {
    pio(0x3f8, true, 1, 3);
    std::memcpy(pio_data(), "xyz", 3);
    EXPECT_EQ(handle(), Step::Continue);
    EXPECT_EQ(events, (std::vector<std::string>{"uart write 0/1=120", "uart write 0/1=121", "uart write 0/1=122"}));
}

TEST_F(ExitHandlerTest, JavaDeviceIsCalledByKeyAndItsReadValueReachesTheGuest) {
    mmio(0xd0000010, false, 4);
    EXPECT_EQ(handle(), Step::Continue);
    EXPECT_EQ(events, std::vector<std::string>{"upcall vcpu 5 device 7 read 16/4=0"});
    uint32_t value = 0;
    std::memcpy(&value, state().mmio.data, sizeof value);
    EXPECT_EQ(value, 0xcafeu);
}

TEST_F(ExitHandlerTest, FailingJavaDeviceEndsTheRunWithItsKey) {
    upcall_status = 1;
    mmio(0xd0000000, true, 4, 9);
    EXPECT_EQ(handle(), Step::Return);
    EXPECT_EQ(kind_, ExitKind::DeviceError);
    EXPECT_EQ(exit_info_[ExitInfo::kKind], static_cast<int64_t>(ExitKind::DeviceError));
    EXPECT_EQ(exit_info_[ExitInfo::kDeviceKey], kJavaKey);
}

TEST_F(ExitHandlerTest, EightByteMmioReadIsExact) {
    mmio(0xd0001008, false, 8);
    EXPECT_EQ(handle(), Step::Continue);
    uint64_t value = 0;
    std::memcpy(&value, state().mmio.data, sizeof value);
    EXPECT_EQ(value, 0x1122334455667788u);
}

TEST_F(ExitHandlerTest, UnclaimedAccessesReturnInManualMode) {
    pio(0x60, true, 1);
    pio_data()[0] = 0xfe;
    EXPECT_EQ(handle(RunMode::Manual), Step::Return);
    EXPECT_EQ(kind_, ExitKind::IoOut);
    EXPECT_EQ(exit_info_[ExitInfo::kAddress], 0x60);
    EXPECT_EQ(exit_info_[ExitInfo::kSize], 1);
    EXPECT_EQ(exit_info_[ExitInfo::kData], 0xfe);

    pio(0x64, false, 4);
    EXPECT_EQ(handle(RunMode::Manual), Step::Return);
    EXPECT_EQ(kind_, ExitKind::IoIn);

    mmio(0xfee00000, true, 4, 0xabcd);
    EXPECT_EQ(handle(RunMode::Manual), Step::Return);
    EXPECT_EQ(kind_, ExitKind::MmioWrite);
    EXPECT_EQ(exit_info_[ExitInfo::kAddress], 0xfee00000);
    EXPECT_EQ(exit_info_[ExitInfo::kData], 0xabcd);

    mmio(0xfee00000, false, 2);
    EXPECT_EQ(handle(RunMode::Manual), Step::Return);
    EXPECT_EQ(kind_, ExitKind::MmioRead);
    EXPECT_TRUE(events.empty());  // nothing reported to Java in manual mode
}

TEST_F(ExitHandlerTest, UnclaimedAccessesAreAbsorbedAndReportedInManagedMode) {
    pio(0x61, false, 2, 2);
    EXPECT_EQ(handle(RunMode::Managed), Step::Continue);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(pio_data()[i], 0xff);

    mmio(0xfee00000, false, 8);
    EXPECT_EQ(handle(RunMode::Managed), Step::Continue);
    uint64_t value = 0;
    std::memcpy(&value, state().mmio.data, sizeof value);
    EXPECT_EQ(value, ~0ULL);
    EXPECT_EQ(events, (std::vector<std::string>{"upcall vcpu 5 device -1 read 97/2=0",
                                                "upcall vcpu 5 device -2 read 4276092928/8=0"}));
}

TEST_F(ExitHandlerTest, PortDataOutsideTheRunAreaIsRefused) {
    struct Case {
        uint32_t size, count;
        uint64_t offset;
    };
    for (const Case& c : {Case{1, 1, kAreaBytes}, Case{4, 1, kAreaBytes - 2}, Case{1, 1, kAreaBytes + 1},
                          Case{2, 0x80000000u, kDataOffset}, Case{0, 1, kDataOffset}, Case{9, 1, kDataOffset}}) {
        pio(0x3f8, true, c.size, c.count, c.offset);
        EXPECT_EQ(handle(), Step::Return) << c.size << "x" << c.count << " at " << c.offset;
        EXPECT_EQ(kind_, ExitKind::Unknown);
        EXPECT_EQ(exit_info_[ExitInfo::kReason], KVM_EXIT_IO);
    }
    EXPECT_TRUE(events.empty());
}

TEST_F(ExitHandlerTest, ZeroRepetitionsAtTheEndOfTheAreaReadNothing) {
    pio(0x3f8, true, 4, 0, kAreaBytes);
    EXPECT_EQ(handle(), Step::Continue);
    EXPECT_TRUE(events.empty());
}

TEST_F(ExitHandlerTest, MmioLengthOutsideTheDataFieldIsRefused) {
    for (uint32_t length : {0u, 9u, 0xffffffffu}) {
        mmio(0xd0001000, true, length);
        EXPECT_EQ(handle(), Step::Return);
        EXPECT_EQ(kind_, ExitKind::Unknown);
        EXPECT_EQ(exit_info_[ExitInfo::kReason], KVM_EXIT_MMIO);
    }
    EXPECT_TRUE(events.empty());
}

TEST_F(ExitHandlerTest, ExitsThatEndTheRun) {
    state().exit_reason = KVM_EXIT_HLT;
    EXPECT_EQ(handle(), Step::Return);
    EXPECT_EQ(kind_, ExitKind::Halt);

    state().exit_reason = KVM_EXIT_SHUTDOWN;
    EXPECT_EQ(handle(), Step::Return);
    EXPECT_EQ(kind_, ExitKind::Shutdown);

    state().exit_reason = KVM_EXIT_INTR;
    EXPECT_EQ(handle(), Step::Continue);

    state().exit_reason = KVM_EXIT_FAIL_ENTRY;
    state().fail_entry.hardware_entry_failure_reason = 0x80000021;
    state().fail_entry.cpu = 3;
    EXPECT_EQ(handle(), Step::Return);
    EXPECT_EQ(kind_, ExitKind::FailEntry);
    EXPECT_EQ(exit_info_[ExitInfo::kReason], 0x80000021);
    EXPECT_EQ(exit_info_[ExitInfo::kCpu], 3);

    state().exit_reason = 999;
    EXPECT_EQ(handle(), Step::Return);
    EXPECT_EQ(kind_, ExitKind::Unknown);
    EXPECT_EQ(exit_info_[ExitInfo::kReason], 999);
}

TEST_F(ExitHandlerTest, SystemEventsSayWhichEvent) {
    state().exit_reason = KVM_EXIT_SYSTEM_EVENT;
    const std::pair<uint32_t, ExitKind> cases[] = {{KVM_SYSTEM_EVENT_SHUTDOWN, ExitKind::Shutdown},
                                                   {KVM_SYSTEM_EVENT_RESET, ExitKind::SystemReset},
                                                   {KVM_SYSTEM_EVENT_CRASH, ExitKind::SystemEventOther}};
    for (const auto& [type, expected] : cases) {
        state().system_event.type = type;
        EXPECT_EQ(handle(), Step::Return);
        EXPECT_EQ(kind_, expected);
        EXPECT_EQ(exit_info_[ExitInfo::kReason], type);
    }
}

TEST_F(ExitHandlerTest, InternalErrorCopiesAtMostTheSlotsThereAre) {
    state().exit_reason = KVM_EXIT_INTERNAL_ERROR;
    state().internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
    state().internal.ndata = 1000;  // more than the record holds: clipped to the exit info's slots
    for (int i = 0; i < 16; ++i) state().internal.data[i] = 100 + i;
    EXPECT_EQ(handle(), Step::Return);
    EXPECT_EQ(kind_, ExitKind::InternalError);
    EXPECT_EQ(exit_info_[ExitInfo::kReason], KVM_INTERNAL_ERROR_EMULATION);
    EXPECT_EQ(exit_info_[ExitInfo::kDataCount], ExitInfo::kExtraDataSlots);
    EXPECT_EQ(exit_info_[ExitInfo::kExtraData + 15], 115);
}

TEST_F(ExitHandlerTest, HeldOutputStaysWhileTheGuestKeepsUsingTheSameDevice) {
    for (char c : std::string("hi")) {
        pio(0x80, true, 1);
        pio_data()[0] = static_cast<uint8_t>(c);
        EXPECT_EQ(handle(), Step::Continue);
    }
    pio(0x80, false, 1);  // polling the holder's own status shows nothing of the output elsewhere
    EXPECT_EQ(handle(), Step::Continue);
    EXPECT_EQ(context_.held(), holder_.get());
    EXPECT_EQ(events, std::vector<std::string>{"holder read"});
}

TEST_F(ExitHandlerTest, HeldOutputLeavesBeforeAnyOtherDeviceSeesTheVcpu) {
    pio(0x80, true, 1);
    pio_data()[0] = 'a';
    handle();
    pio(0x3f8, true, 1);
    pio_data()[0] = 0;
    EXPECT_EQ(handle(), Step::Continue);
    EXPECT_EQ(context_.held(), nullptr);
    EXPECT_EQ(events, (std::vector<std::string>{"flush a", "uart write 0/1=0"}));

    events.clear();
    pio(0x80, true, 1);
    pio_data()[0] = 'b';
    handle();
    mmio(0xd0000000, true, 4, 1);  // a Java device
    handle();
    EXPECT_EQ(events.front(), "flush b");

    events.clear();
    pio(0x80, true, 1);
    pio_data()[0] = 'c';
    handle();
    pio(0x70, false, 1);  // unclaimed, manual: the caller sees it after the output
    EXPECT_EQ(handle(RunMode::Manual), Step::Return);
    EXPECT_EQ(events, std::vector<std::string>{"flush c"});
}

TEST_F(ExitHandlerTest, HeldOutputLeavesBeforeTheRunEnds) {
    const uint32_t reasons[] = {
        KVM_EXIT_HLT, KVM_EXIT_SHUTDOWN, KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_FAIL_ENTRY, 999};
    for (uint32_t reason : reasons) {
        events.clear();
        pio(0x80, true, 1);
        pio_data()[0] = 'z';
        handle();
        state().exit_reason = reason;
        state().internal.ndata = 0;
        EXPECT_EQ(handle(), Step::Return);
        EXPECT_EQ(events, std::vector<std::string>{"flush z"}) << "exit reason " << reason;
    }
}

TEST_F(ExitHandlerTest, AFailedFlushIsADeviceErrorNamingTheHolder) {
    pio(0x81, true, 1);
    handle();
    state().exit_reason = KVM_EXIT_HLT;
    EXPECT_EQ(handle(), Step::Return);
    EXPECT_EQ(kind_, ExitKind::DeviceError);
    EXPECT_EQ(exit_info_[ExitInfo::kDeviceKey], 42);
}

}  // namespace
