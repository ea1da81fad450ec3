// Virtio device state without KVM: save, restore into a new device, and go on exactly where the
// rings were; refuse malformed state naming the offset; quiesce a hub mid-I/O and lose or
// repeat no completion across a save and restore.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "bus/upcall.h"
#include "common/error.h"
#include "virtio/block/block_device.h"
#include "virtio/console/console_device.h"
#include "virtio/rng/rng_device.h"
#include "virtio/virtio_hub.h"

using namespace vmm4j;
using namespace vmm4j::virtio;

namespace {

constexpr uint64_t kRamBytes = 4 << 20;
constexpr uint16_t kQueueSize = 16;
constexpr uint16_t kWrite = kDescFlagWrite, kNext = kDescFlagNext;

// Guest RAM at guest address 0, shared by the VM that saves and the VM that restores, as a
// snapshot's memory file is.
class Ram final : public GuestAccess {
public:
    Ram() {
        void* host = ::mmap(nullptr, kRamBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (host == MAP_FAILED) throw std::runtime_error("mmap");
        host_ = static_cast<uint8_t*>(host);
    }
    ~Ram() override { ::munmap(host_, kRamBytes); }
    uint8_t* translate(uint64_t address, uint64_t length) const noexcept override {
        if (address >= kRamBytes || length > kRamBytes - address) return nullptr;
        return host_ + address;
    }
    void mark_dirty(uint64_t, uint64_t) const noexcept override {}
    uint8_t* at(uint64_t address) const { return host_ + address; }

private:
    uint8_t* host_ = nullptr;
};

struct Forward final : GuestAccess {
    explicit Forward(const Ram& r) : ram(r) {}
    uint8_t* translate(uint64_t a, uint64_t l) const noexcept override { return ram.translate(a, l); }
    void mark_dirty(uint64_t a, uint64_t l) const noexcept override { ram.mark_dirty(a, l); }
    const Ram& ram;
};

class NoRoutes final : public EventRoutes {
public:
    std::unique_ptr<Route> doorbell(const EventFd&, uint64_t, uint16_t) override { return nullptr; }
    std::unique_ptr<Route> interrupt(const EventFd&, uint32_t) override { return nullptr; }
};

// The driver side of one split queue at `base`: descriptors, avail at +0x1000, used at +0x2000.
class Ring {
public:
    Ring(Ram& ram, uint64_t base) : ram_(ram), base_(base) {}
    QueueConfig config() const { return QueueConfig{kQueueSize, base_, base_ + 0x1000, base_ + 0x2000}; }
    void descriptor(uint16_t index, uint64_t address, uint32_t length, uint16_t flags, uint16_t next = 0) {
        const Descriptor d{address, length, flags, next};
        std::memcpy(ram_.at(base_ + 16ULL * index), &d, sizeof d);
    }
    void publish(uint16_t head) {
        uint8_t* avail = ram_.at(base_ + 0x1000);
        __atomic_store_n(reinterpret_cast<uint16_t*>(avail + 4 + 2 * (next_avail_ % kQueueSize)), head,
                         __ATOMIC_RELAXED);
        ++next_avail_;
        __atomic_store_n(reinterpret_cast<uint16_t*>(avail + 2), next_avail_, __ATOMIC_RELEASE);
    }
    uint16_t used_index() const {
        return __atomic_load_n(reinterpret_cast<const uint16_t*>(ram_.at(base_ + 0x2000 + 2)), __ATOMIC_ACQUIRE);
    }
    UsedElement used(uint16_t n) const {
        UsedElement e;
        std::memcpy(&e, ram_.at(base_ + 0x2000 + 4 + 8ULL * (n % kQueueSize)), sizeof e);
        return e;
    }
    // Waits (on time, not a count) until the device has used `count` entries in total.
    bool await_used(uint16_t count) const {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (used_index() != count) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        return true;
    }

private:
    Ram& ram_;
    uint64_t base_;
    uint16_t next_avail_ = 0;
};

// One VM's virtio devices over the shared RAM; a second Vm on the same RAM is the restored copy.
struct Vm {
    std::unique_ptr<VirtioHub> hub;
    RngDevice* rng;
    ConsoleDevice* console;
    BlockDevice* block;

    Vm(Ram& ram, int disk) {
        hub = std::make_unique<VirtioHub>(std::make_unique<Forward>(ram), std::make_unique<NoRoutes>(),
                                          std::vector<int>{});
        rng = static_cast<RngDevice*>(&hub->add(std::make_unique<RngDevice>(hub->context(0x1050, 5), "virtio-rng")));
        console = static_cast<ConsoleDevice*>(
            &hub->add(std::make_unique<ConsoleDevice>(hub->context(0x2050, 6), "virtio-console", -1)));
        struct stat info;
        if (::fstat(disk, &info) != 0) throw std::runtime_error("fstat");
        BlockDevice::Backing backing{UniqueFd(::dup(disk)), static_cast<uint64_t>(info.st_size)};
        block = static_cast<BlockDevice*>(&hub->add(
            std::make_unique<BlockDevice>(hub->context(0x3050, 7), "virtio-blk", std::move(backing), false, "disk")));
    }
};

constexpr uint64_t kRngRing = 0x10000, kRxRing = 0x20000, kTxRing = 0x30000, kBlockRing = 0x40000;
constexpr uint64_t kBuffers = 0x100000, kHeaders = 0x200000, kStatus = 0x201000, kData = 0x300000;
constexpr uint64_t kEventIdxFeatures = kFeatureVersion1 | kFeatureEventIdx;
constexpr int kRequests = 12;
constexpr uint32_t kBlockBytes = 4096;

class DeviceStateTest : public ::testing::Test {
protected:
    void SetUp() override {
        char path[] = "/tmp/vmm4j-state-XXXXXX";
        disk_ = ::mkstemp(path);
        ASSERT_GE(disk_, 0);
        ::unlink(path);
        ASSERT_EQ(0, ::ftruncate(disk_, kRequests * kBlockBytes));
    }
    void TearDown() override { ::close(disk_); }

    // A save, its restore into `to`, and a save of `to` give the same bytes.
    static std::vector<uint8_t> round_trip(const VirtioDevice& from, VirtioDevice& to) {
        const std::vector<uint8_t> saved = from.save_state();
        to.restore_state(saved.data(), saved.size());
        EXPECT_EQ(saved, to.save_state()) << "restore is not exact";
        return saved;
    }

    // Block write r: kBlockBytes of (r + 1) at sector r * 8; descriptors 3r..3r+2.
    void write_request(Ring& ring, int r) {
        const struct {
            uint32_t type, reserved;
            uint64_t sector;
        } header{BlockDevice::kOut, 0, uint64_t(r) * (kBlockBytes / BlockDevice::kSectorSize)};
        std::memcpy(ram_.at(kHeaders + 16 * r), &header, sizeof header);
        ram_.at(kStatus)[r] = 0xff;
        std::memset(ram_.at(kData + uint64_t(r) * kBlockBytes), r + 1, kBlockBytes);
        const uint16_t head = static_cast<uint16_t>(3 * (r % 5));
        ring.descriptor(head, kHeaders + 16 * r, 16, kNext, head + 1);
        ring.descriptor(head + 1, kData + uint64_t(r) * kBlockBytes, kBlockBytes, kNext, head + 2);
        ring.descriptor(head + 2, kStatus + r, 1, kWrite);
        ring.publish(head);
    }

    Ram ram_;
    int disk_ = -1;
};

TEST_F(DeviceStateTest, RestoredQueueResumesAtItsSavedPosition) {
    Ring ring(ram_, kRngRing);
    Vm source(ram_, disk_);
    source.rng->activate({ring.config()}, kEventIdxFeatures);
    for (uint16_t i = 0; i < 3; ++i) {
        ring.descriptor(i, kBuffers + 64 * i, 64, kWrite);
        ring.publish(i);
    }
    source.rng->notify(0);
    ASSERT_TRUE(ring.await_used(3));

    Vm copy(ram_, disk_);
    round_trip(*source.rng, *copy.rng);
    source.rng->reset();  // the source lets go; only the copy serves the ring from now on
    for (uint16_t i = 3; i < 5; ++i) {
        ring.descriptor(i, kBuffers + 64 * i, 32, kWrite);
        ring.publish(i);
    }
    copy.rng->notify(0);
    ASSERT_TRUE(ring.await_used(5)) << "the copy did not resume at used index 3";
    for (uint16_t n = 0; n < 5; ++n) {
        EXPECT_EQ(n, ring.used(n).id);
        EXPECT_EQ(n < 3 ? 64u : 32u, ring.used(n).length);
    }
    EXPECT_TRUE(copy.rng->interrupt_status() & kInterruptUsedBuffer);
}

TEST_F(DeviceStateTest, InactiveAndBrokenDevicesRoundTrip) {
    Vm source(ram_, disk_), copy(ram_, disk_);
    round_trip(*source.block, *copy.block);  // never activated
    Ring ring(ram_, kRngRing);
    source.rng->activate({ring.config()}, kFeatureVersion1);
    ring.publish(1000);  // a head beyond the table breaks the device
    source.rng->notify(0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!source.rng->needs_reset() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(source.rng->needs_reset());
    round_trip(*source.rng, *copy.rng);
    EXPECT_TRUE(copy.rng->needs_reset());
    EXPECT_EQ(source.rng->failure(), copy.rng->failure());
    EXPECT_EQ(source.rng->interrupt_status(), copy.rng->interrupt_status());
}

TEST_F(DeviceStateTest, ConsoleInputWaitingForTheGuestSurvives) {
    Ring rx(ram_, kRxRing), tx(ram_, kTxRing);
    Vm source(ram_, disk_), copy(ram_, disk_);
    source.console->activate({rx.config(), tx.config()}, kFeatureVersion1);
    const uint8_t input[] = "hello";
    ASSERT_EQ(5u, source.console->enqueue_input(input, 5));  // no receive buffer yet: it waits
    round_trip(*source.console, *copy.console);
    source.console->reset();
    rx.descriptor(0, kBuffers, 64, kWrite);
    rx.publish(0);
    copy.console->notify(0);
    ASSERT_TRUE(rx.await_used(1));
    EXPECT_EQ(5u, rx.used(0).length);
    EXPECT_EQ(0, std::memcmp(ram_.at(kBuffers), "hello", 5));
}

TEST_F(DeviceStateTest, MalformedStateIsRefusedNamingTheOffsetAndChangesNothing) {
    Ring ring(ram_, kRngRing);
    Vm source(ram_, disk_), copy(ram_, disk_);
    source.rng->activate({ring.config()}, kEventIdxFeatures);
    const std::vector<uint8_t> saved = source.rng->save_state();
    const std::vector<uint8_t> before = copy.rng->save_state();
    auto refused = [&](std::vector<uint8_t> bytes, const char* expected) {
        try {
            copy.rng->restore_state(bytes.data(), bytes.size());
            ADD_FAILURE() << "accepted: " << expected;
        } catch (const CoreError& error) {
            EXPECT_EQ(ErrorKind::InvalidArgument, error.kind());
            EXPECT_NE(std::string::npos, std::string(error.what()).find("virtio-rng state, offset ")) << error.what();
            EXPECT_NE(std::string::npos, std::string(error.what()).find(expected)) << error.what();
        }
        EXPECT_EQ(before, copy.rng->save_state()) << "a refused restore changed the device";
    };
    for (size_t length = 0; length < saved.size(); ++length) {
        refused(std::vector<uint8_t>(saved.begin(), saved.begin() + length), "truncated");
    }
    std::vector<uint8_t> longer = saved;
    longer.push_back(0);
    refused(longer, "after the last field");
    std::vector<uint8_t> version = saved;
    version[0] = 9;
    refused(version, "version 9 is not supported");
    std::vector<uint8_t> queues = saved;
    queues[4] = 2;
    refused(queues, "2 queues");
    // The descriptor table at the end of RAM: the same check as activate() refuses it.
    std::vector<uint8_t> outside = saved;
    const size_t table = 4 + 2 + 1 + 1 + 4 + 8 + 4 + 1 + 2;  // version .. failure, present, size
    const uint64_t address = kRamBytes - 16;
    std::memcpy(outside.data() + table, &address, 8);
    refused(outside, "outside guest memory");
    std::vector<uint8_t> ahead = saved;
    const uint16_t next_avail = 100;  // 100 chains in flight on a queue of 16
    std::memcpy(ahead.data() + table + 24, &next_avail, 2);
    refused(ahead, "entries ahead of next_used");
}

// issue 13: a snapshot taken while block I/O is in flight neither loses nor repeats a completion.
TEST_F(DeviceStateTest, PausedHubMidIoLosesAndRepeatsNoCompletion) {
    Ring ring(ram_, kBlockRing);
    Vm source(ram_, disk_), copy(ram_, disk_);
    source.block->activate({ring.config()}, kFeatureVersion1);
    for (int r = 0; r < 5; ++r) write_request(ring, r);
    source.block->notify(0);
    source.hub->pause();  // lands before, during or after the batch: all three must work
    const uint16_t completed = ring.used_index();
    for (int r = 5; r < kRequests; ++r) {
        // The driver goes on while the VMM is paused (a vCPU that had not parked yet); nothing
        // is served until resume. Descriptors are reused only once their request completed.
        if (r - 5 >= completed) break;
        write_request(ring, r);
    }
    source.block->notify(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ASSERT_EQ(completed, ring.used_index()) << "a quiesced device served a request";
    copy.hub->pause();  // the restored VM starts paused, as a snapshot restore does
    round_trip(*source.block, *copy.block);
    source.block->reset();
    source.hub->resume();
    copy.hub->resume();  // serves what the driver made available meanwhile
    const uint16_t submitted = static_cast<uint16_t>(5 + std::min<int>(completed, kRequests - 5));
    ASSERT_TRUE(ring.await_used(submitted));
    std::vector<uint8_t> file(kBlockBytes), expected(kBlockBytes);
    for (int r = 0; r < submitted; ++r) {
        ASSERT_EQ(uint32_t(3 * (r % 5)), ring.used(static_cast<uint16_t>(r)).id) << "used entry " << r;
        ASSERT_EQ(BlockDevice::kOk, ram_.at(kStatus)[r]) << "request " << r;
        ASSERT_EQ(ssize_t(kBlockBytes), ::pread(disk_, file.data(), kBlockBytes, off_t(r) * kBlockBytes));
        std::memset(expected.data(), r + 1, kBlockBytes);
        ASSERT_EQ(expected, file) << "write " << r << " is not on disk";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(submitted, ring.used_index()) << "a completion was repeated";
}

VirtioHub* pausing_hub = nullptr;
std::atomic<int> refusals{0};
// A console output callback, on the I/O thread, that tries to pause the hub serving it.
int32_t pause_from_callback(int32_t, int32_t) {
    try {
        pausing_hub->pause();
    } catch (const CoreError& error) {
        if (error.kind() == ErrorKind::State) ++refusals;
    }
    return 0;
}

TEST_F(DeviceStateTest, PauseFromTheIoThreadIsRefusedNotDeadlocked) {
    VirtioHub hub(std::make_unique<Forward>(ram_), std::make_unique<NoRoutes>(), std::vector<int>{});
    auto& console = static_cast<ConsoleDevice&>(
        hub.add(std::make_unique<ConsoleDevice>(hub.context(0x2050, 6), "virtio-console", 1)));
    Ring rx(ram_, kRxRing), tx(ram_, kTxRing);
    console.activate({rx.config(), tx.config()}, kFeatureVersion1);
    pausing_hub = &hub;
    set_sink_upcall(pause_from_callback);
    std::memset(ram_.at(kBuffers), 'x', 8);
    tx.descriptor(0, kBuffers, 8, 0);
    tx.publish(0);
    console.notify(1);
    ASSERT_TRUE(tx.await_used(1));
    set_sink_upcall(nullptr);
    EXPECT_EQ(1, refusals.load());
    hub.pause();  // from another thread it works
    hub.resume();
}

}  // namespace
