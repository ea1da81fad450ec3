// The 16550's transmit batching: bytes are held while the guest writes THR and leave, in order,
// when the vCPU flushes them or the batch fills; nothing is lost when several vCPUs write at once.
#include "devices/serial_16550.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bus/upcall.h"
#include "run/exit_handler.h"

using namespace vmm4j;

namespace {

constexpr int32_t kDeviceKey = 11;
constexpr int32_t kSinkKey = 4;
constexpr uint64_t kThr = 0, kLsr = 5, kMcr = 4;

std::mutex received_mutex;
std::vector<std::string> batches;
int32_t sink_status = 0;
std::atomic<bool> slow_sink{false};

int32_t fake_sink(int32_t key, int32_t length) {
    if (key != kSinkKey) return 1;
    std::string bytes(OutputSink::kChunkBytes, '\0');
    bytes.resize(copy_delivered(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()));
    if (bytes.size() != static_cast<size_t>(length)) return 1;
    if (slow_sink) std::this_thread::sleep_for(std::chrono::microseconds(50));
    std::lock_guard<std::mutex> lock(received_mutex);
    batches.push_back(bytes);
    return sink_status;
}

std::string all_output() {
    std::string text;
    for (const std::string& batch : batches) text += batch;
    return text;
}

class SerialBatchTest : public ::testing::Test {
protected:
    void SetUp() override {
        batches.clear();
        sink_status = 0;
        slow_sink = false;
        set_sink_upcall(fake_sink);
    }
    void TearDown() override { set_sink_upcall(nullptr); }

    void write_text(ExitContext& context, const std::string& text) {
        for (char c : text) ASSERT_TRUE(serial_.write(context, kThr, 1, static_cast<uint8_t>(c)));
    }

    Serial16550 serial_{kDeviceKey, kSinkKey, nullptr};
    int64_t exit_info_[ExitInfo::kSlots] = {};
    ExitContext context_{0, exit_info_};
};

TEST_F(SerialBatchTest, TransmittedBytesAreHeldUntilTheVcpuFlushes) {
    write_text(context_, "hello\n");
    uint64_t status = 0;
    ASSERT_TRUE(serial_.read(context_, kLsr, 1, status));
    EXPECT_NE(status & 0x60, 0u);  // THR and transmitter empty: the guest never waits
    EXPECT_TRUE(batches.empty());
    EXPECT_EQ(context_.held(), &serial_);

    EXPECT_TRUE(context_.flush_held());
    EXPECT_EQ(batches, std::vector<std::string>{"hello\n"});
    EXPECT_EQ(context_.held(), nullptr);
    EXPECT_TRUE(context_.flush_held());  // nothing more to send
    EXPECT_EQ(batches.size(), 1u);
}

TEST_F(SerialBatchTest, AFullBatchLeavesAtOnce) {
    const std::string text(Serial16550::kOutputBatch + 3, 'x');
    write_text(context_, text);
    ASSERT_EQ(batches.size(), 1u);
    EXPECT_EQ(batches[0].size(), Serial16550::kOutputBatch);
    EXPECT_TRUE(context_.flush_held());
    EXPECT_EQ(all_output(), text);
}

TEST_F(SerialBatchTest, LoopbackBytesAreInputNotOutput) {
    ASSERT_TRUE(serial_.write(context_, kMcr, 1, 0x10));
    write_text(context_, "L");
    EXPECT_TRUE(context_.flush_held());
    EXPECT_TRUE(batches.empty());
    uint64_t received = 0;
    ASSERT_TRUE(serial_.read(context_, kThr, 1, received));
    EXPECT_EQ(received, uint64_t('L'));
}

TEST_F(SerialBatchTest, AFailingSinkNamesThePort) {
    write_text(context_, "x");
    sink_status = 1;
    EXPECT_FALSE(context_.flush_held());
    EXPECT_EQ(exit_info_[ExitInfo::kDeviceKey], kDeviceKey);
}

TEST_F(SerialBatchTest, VcpusWritingAtOnceLoseNothingAndKeepTheirOrder) {
    slow_sink = true;
    constexpr int kThreads = 3, kBytes = 3000;
    std::vector<std::thread> vcpus;
    for (int t = 0; t < kThreads; ++t) {
        vcpus.emplace_back([this, t] {
            int64_t info[ExitInfo::kSlots] = {};
            ExitContext context(t, info);
            for (int i = 0; i < kBytes; ++i) {
                // Each thread writes its own letter; flushes at random points, as exits would.
                ASSERT_TRUE(serial_.write(context, kThr, 1, static_cast<uint8_t>('a' + t)));
                if (i % (97 + t) == 0) {
                    ASSERT_TRUE(context.flush_held());
                }
            }
            ASSERT_TRUE(context.flush_held());
        });
    }
    for (std::thread& vcpu : vcpus) vcpu.join();
    const std::string text = all_output();
    ASSERT_EQ(text.size(), static_cast<size_t>(kThreads * kBytes));
    for (int t = 0; t < kThreads; ++t) {
        EXPECT_EQ(std::count(text.begin(), text.end(), 'a' + t), kBytes);
    }
    for (const std::string& batch : batches) EXPECT_LE(batch.size(), Serial16550::kOutputBatch);
}

}  // namespace
