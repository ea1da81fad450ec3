// Stress: the virtio I/O thread against reset, re-activation and close, without KVM.
//
// A VirtioHub (I/O thread + block, rng and console devices) runs over fake guest RAM (one
// anonymous mapping) with routes that connect nothing: the test rings the doorbells as the guest's
// QueueNotify would and a second thread keeps ringing them at any time, as a vCPU may. Built with
// ASan or TSan (cpp/tests/run) it checks what issue 10 §2b asked: that a reset returns only once the
// I/O thread let go of the rings, that nothing completes after it, and that after a close nothing
// touches guest RAM (the RAM is made PROT_NONE before it is unmapped, so a late access faults).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "bus/output_sink.h"
#include "bus/upcall.h"
#include "virtio/block/block_device.h"
#include "virtio/console/console_device.h"
#include "virtio/rng/rng_device.h"
#include "virtio/virtio_hub.h"

using namespace vmm4j;
using namespace vmm4j::virtio;

namespace {

constexpr uint64_t kRamBytes = 8 << 20;
constexpr uint16_t kQueueSize = 64;
constexpr uint32_t kSector = BlockDevice::kSectorSize;
constexpr uint32_t kBlockBytes = 4096;
constexpr int kRequests = 20;  // as DeviceResetTest
constexpr uint64_t kFeatures = kFeatureVersion1 | kFeatureIndirectDesc;

// Guest RAM at guest address 0: one anonymous mapping, as GuestMemory has, and a VMM dirty
// bitmap written the way GuestMemory writes it (fetch_or of one bit per page).
class FakeRam final : public GuestAccess {
public:
    FakeRam() {
        void* host = ::mmap(nullptr, kRamBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (host == MAP_FAILED) throw std::runtime_error("mmap guest RAM");
        host_ = static_cast<uint8_t*>(host);
    }
    ~FakeRam() override { ::munmap(host_, kRamBytes); }

    uint8_t* translate(uint64_t address, uint64_t length) const noexcept override {
        if (address >= kRamBytes || length > kRamBytes - address) return nullptr;
        return host_ + address;
    }
    void mark_dirty(uint64_t address, uint64_t length) const noexcept override {
        if (length == 0 || address >= kRamBytes) return;
        const uint64_t end = std::min(address + length, kRamBytes);
        for (uint64_t page = address / 4096; page <= (end - 1) / 4096; ++page) {
            dirty_[page / 64].fetch_or(uint64_t{1} << (page % 64), std::memory_order_relaxed);
        }
    }
    // Closes the door: any later access by any thread faults.
    void revoke() { ASSERT_EQ(0, ::mprotect(host_, kRamBytes, PROT_NONE)); }

    uint8_t* at(uint64_t address) const { return host_ + address; }

private:
    uint8_t* host_ = nullptr;
    mutable std::atomic<uint64_t> dirty_[kRamBytes / 4096 / 64] = {};
};

class NoRoutes final : public EventRoutes {
public:
    std::unique_ptr<Route> doorbell(const EventFd&, uint64_t, uint16_t) override { return nullptr; }
    std::unique_ptr<Route> interrupt(const EventFd&, uint32_t) override { return nullptr; }
};

// The driver side of one split queue at `base` (descriptors, avail at +0x1000, used at +0x2000).
// Ring fields the device reads while running are published with release stores.
class Ring {
public:
    Ring(FakeRam& ram, uint64_t base) : ram_(ram), base_(base) {}

    QueueConfig config() const { return QueueConfig{kQueueSize, base_, base_ + 0x1000, base_ + 0x2000}; }
    // Only while the device is reset: it does not look at the rings then.
    void clear() {
        std::memset(ram_.at(base_), 0, 0x3000);
        next_avail_ = 0;
    }
    void descriptor(uint16_t index, uint64_t address, uint32_t length, uint16_t flags, uint16_t next) {
        uint8_t* d = ram_.at(base_ + 16ULL * index);
        std::memcpy(d, &address, 8);
        std::memcpy(d + 8, &length, 4);
        std::memcpy(d + 12, &flags, 2);
        std::memcpy(d + 14, &next, 2);
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
    // The {id, length} of used entry n; read after used_index() covered it.
    std::pair<uint32_t, uint32_t> used(uint16_t n) const {
        const uint8_t* e = ram_.at(base_ + 0x2000 + 4 + 8ULL * (n % kQueueSize));
        return {__atomic_load_n(reinterpret_cast<const uint32_t*>(e), __ATOMIC_RELAXED),
                __atomic_load_n(reinterpret_cast<const uint32_t*>(e + 4), __ATOMIC_RELAXED)};
    }

private:
    FakeRam& ram_;
    uint64_t base_;
    uint16_t next_avail_ = 0;
};

constexpr uint16_t kNext = 1, kWrite = 2;
constexpr uint64_t kBlockRing = 0x10000, kRngRing = 0x20000, kConsoleRx = 0x30000, kConsoleTx = 0x40000;
constexpr uint64_t kHeaders = 0x50000, kStatus = 0x51000, kData = 0x100000, kRngData = 0x200000;
constexpr uint64_t kConsoleData = 0x300000;

std::atomic<uint64_t> console_bytes{0};
// The console's sink upcall: copies every byte it is handed, as Java's sink dispatcher does.
int32_t count_output(int32_t, int32_t length) {
    uint8_t bytes[OutputSink::kChunkBytes];
    const size_t copied = copy_delivered(bytes, sizeof bytes);
    if (copied != static_cast<size_t>(length)) return 1;
    console_bytes.fetch_add(copied);
    return 0;
}

// A temporary backing file, removed at once; the fd keeps it.
BlockDevice::Backing temporary_disk(uint64_t bytes) {
    char path[] = "/tmp/vmm4j-stress-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) throw std::runtime_error("mkstemp");
    ::unlink(path);
    if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) throw std::runtime_error("ftruncate");
    return BlockDevice::Backing{UniqueFd(fd), bytes};
}

// One VM's worth: RAM, then the hub with a block, an rng and a console device. Destroyed in
// Machine's order: the hub (I/O thread joined, devices gone), then the RAM.
struct Vm {
    std::unique_ptr<FakeRam> ram = std::make_unique<FakeRam>();
    FakeRam* ram_view = ram.get();
    std::unique_ptr<VirtioHub> hub;
    BlockDevice* block = nullptr;
    RngDevice* rng = nullptr;
    ConsoleDevice* console = nullptr;
    int disk = -1;  // the block device's file, for checking what reached it
    Ring block_ring{*ram_view, kBlockRing}, rng_ring{*ram_view, kRngRing};
    Ring console_rx{*ram_view, kConsoleRx}, console_tx{*ram_view, kConsoleTx};

    Vm() {
        // The hub's GuestAccess is its own object, as in Machine; it forwards to the RAM.
        struct Forward final : GuestAccess {
            explicit Forward(const FakeRam& r) : ram(r) {}
            uint8_t* translate(uint64_t a, uint64_t l) const noexcept override { return ram.translate(a, l); }
            void mark_dirty(uint64_t a, uint64_t l) const noexcept override { ram.mark_dirty(a, l); }
            const FakeRam& ram;
        };
        hub = std::make_unique<VirtioHub>(std::make_unique<Forward>(*ram), std::make_unique<NoRoutes>(),
                                          std::vector<int>{});
        auto backing = temporary_disk(kRequests * kBlockBytes);
        disk = ::dup(backing.file.get());
        block = static_cast<BlockDevice*>(&hub->add(std::make_unique<BlockDevice>(
            hub->context(0xd0000050, 5), "virtio-blk stress", std::move(backing), false, "stress")));
        rng =
            static_cast<RngDevice*>(&hub->add(std::make_unique<RngDevice>(hub->context(0xd0001050, 6), "virtio-rng")));
        console = static_cast<ConsoleDevice*>(
            &hub->add(std::make_unique<ConsoleDevice>(hub->context(0xd0002050, 7), "virtio-console", 1)));
    }
    ~Vm() {
        if (disk >= 0) ::close(disk);
    }

    // Resets every device, clears the rings and starts them again.
    void start() {
        block->reset();
        rng->reset();
        console->reset();
        for (Ring* ring : {&block_ring, &rng_ring, &console_rx, &console_tx}) ring->clear();
        block->activate({block_ring.config()}, kFeatures);
        rng->activate({rng_ring.config()}, kFeatures);
        console->activate({console_rx.config(), console_tx.config()}, kFeatures);
    }

    // Request r writes kBlockBytes of (r + 1) at sector r * 8; descriptors 3r..3r+2.
    void submit_writes(bool hostile) {
        for (int r = 0; r < kRequests; ++r) {
            const struct {
                uint32_t type, reserved;
                uint64_t sector;
            } header{BlockDevice::kOut, 0, uint64_t(r) * (kBlockBytes / kSector)};
            std::memcpy(ram_view->at(kHeaders + 16 * r), &header, sizeof header);
            ram_view->at(kStatus)[r] = 0xff;
            std::memset(ram_view->at(kData + uint64_t(r) * kBlockBytes), r + 1, kBlockBytes);
            const uint16_t head = static_cast<uint16_t>(3 * r);
            block_ring.descriptor(head, kHeaders + 16 * r, 16, kNext, head + 1);
            block_ring.descriptor(head + 1, kData + uint64_t(r) * kBlockBytes, kBlockBytes, kNext, head + 2);
            block_ring.descriptor(head + 2, kStatus + r, 1, kWrite, 0);
        }
        for (int r = 0; r < kRequests; ++r) {
            // A hostile driver breaks the device half way: a head beyond the table.
            block_ring.publish(hostile && r == kRequests / 2 ? uint16_t(1000) : uint16_t(3 * r));
        }
        block->notify(0);
    }

    void submit_others() {
        for (uint16_t i = 0; i < 8; ++i) {
            rng_ring.descriptor(i, kRngData + 64 * i, 64, kWrite, 0);
            rng_ring.publish(i);
            console_rx.descriptor(i, kConsoleData + 64 * i, 64, kWrite, 0);
            console_rx.publish(i);
            std::memset(ram_view->at(kConsoleData + 0x10000 + 64 * i), 'a' + i, 64);
            console_tx.descriptor(i, kConsoleData + 0x10000 + 64 * i, 64, 0, 0);
            console_tx.publish(i);
        }
        const uint8_t input[100] = {'x'};
        console->enqueue_input(input, sizeof input);
        rng->notify(0);
        console->notify(1);
        console->notify(0);
    }

    // Closes the VM as Machine's destructor does, then makes its RAM unreachable before unmapping.
    void close() {
        hub.reset();
        ram->revoke();
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // a late writer would fault here
        ram.reset();
    }
};

// Rings every doorbell of the VM at random times, as a guest's vCPUs may, until stopped. Takes
// the lock as Java's NativeHandle does, so close() (the writer) never overlaps a ring.
class Doorbells {
public:
    Doorbells(Vm& vm, std::shared_mutex& lock)
        : thread_([this, &vm, &lock] {
              std::minstd_rand random(7);
              while (!stop_.load()) {
                  {
                      std::shared_lock<std::shared_mutex> held(lock);
                      if (vm.hub == nullptr) return;
                      vm.block->notify(0);
                      vm.rng->notify(0);
                      vm.console->notify(random() % 2);
                      vm.block->acknowledge(vm.block->interrupt_status());
                  }
                  std::this_thread::sleep_for(std::chrono::microseconds(random() % 50));
              }
          }) {}
    ~Doorbells() {
        stop_.store(true);
        thread_.join();
    }

private:
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

std::chrono::microseconds random_delay(std::minstd_rand& random) { return std::chrono::microseconds(random() % 400); }

class StressTest : public ::testing::Test {
protected:
    void SetUp() override { set_sink_upcall(count_output); }
    void TearDown() override { set_sink_upcall(nullptr); }
};

// DeviceResetTest's check, many times over and with a second thread ringing doorbells: a reset
// returns only when the I/O thread let go, nothing completes after it, every completed write is
// on disk, and the device works again after the reset.
TEST_F(StressTest, ResetDuringIoLosesNoCompletedWrite) {
    Vm vm;
    std::shared_mutex lock;
    Doorbells doorbells(vm, lock);
    std::minstd_rand random(1);
    int partial = 0;
    for (int round = 0; round < 300; ++round) {
        const bool hostile = round % 7 == 3;
        vm.start();
        vm.submit_others();
        vm.submit_writes(hostile);
        std::this_thread::sleep_for(random_delay(random));
        vm.block->reset();
        const uint16_t completed = vm.block_ring.used_index();
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        ASSERT_EQ(completed, vm.block_ring.used_index()) << "a completion after the reset returned, round " << round;
        ASSERT_LE(completed, hostile ? kRequests / 2 : kRequests);
        if (completed > 0 && completed < kRequests) ++partial;
        std::vector<uint8_t> file(kBlockBytes), expected(kBlockBytes);
        for (uint16_t n = 0; n < completed; ++n) {
            const uint32_t id = vm.block_ring.used(n).first;
            ASSERT_EQ(0u, id % 3);
            const int r = static_cast<int>(id / 3);
            ASSERT_LT(r, kRequests);
            ASSERT_EQ(BlockDevice::kOk, vm.ram_view->at(kStatus)[r]);
            ASSERT_EQ(ssize_t(kBlockBytes), ::pread(vm.disk, file.data(), kBlockBytes, off_t(r) * kBlockBytes));
            std::memset(expected.data(), r + 1, kBlockBytes);
            ASSERT_EQ(expected, file) << "completed write " << r << " is not on disk";
        }
        ASSERT_FALSE(vm.block->needs_reset()) << "the reset clears a failure";
    }
    // The delays must have caught the thread mid-batch sometimes, or the test proved little.
    EXPECT_GT(partial, 0) << "no reset landed in the middle of a batch";
    EXPECT_GT(console_bytes.load(), 0u);
}

// Activate and reset from one thread while another rings the doorbells without pause: the I/O
// thread must never see a half-built queue (TSan checks the locking; ASan the lifetimes).
TEST_F(StressTest, ActivateAndResetRaceTheIoThread) {
    Vm vm;
    std::shared_mutex lock;
    Doorbells doorbells(vm, lock);
    for (int round = 0; round < 2000; ++round) {
        vm.start();
        vm.submit_others();
        vm.rng->reset();
        vm.console->reset();
    }
}

// Closing a VM while its devices are busy: the hub joins the I/O thread before any device or
// RAM goes, so the PROT_NONE RAM is never touched afterwards (a fault would kill the test).
TEST_F(StressTest, CloseDuringIoTouchesNothingAfterwards) {
    std::minstd_rand random(3);
    for (int round = 0; round < 150; ++round) {
        Vm vm;
        std::shared_mutex lock;
        {
            Doorbells doorbells(vm, lock);
            vm.start();
            vm.submit_others();
            vm.submit_writes(round % 5 == 0);
            std::this_thread::sleep_for(random_delay(random));
            std::unique_lock<std::shared_mutex> closing(lock);
            vm.close();
        }
    }
}

}  // namespace
