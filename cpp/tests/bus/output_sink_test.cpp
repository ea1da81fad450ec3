// OutputSink: chunks announced by the sink upcall and copied by the callee during the call.
#include "bus/output_sink.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bus/upcall.h"
#include "common/error.h"

using namespace vmm4j;

namespace {

std::vector<std::pair<int32_t, std::string>> received;
size_t copy_capacity = OutputSink::kChunkBytes;
int32_t sink_status = 0;

int32_t fake_sink(int32_t key, int32_t length) {
    std::string bytes(copy_capacity, '\0');
    const size_t copied = copy_delivered(reinterpret_cast<uint8_t*>(bytes.data()), copy_capacity);
    bytes.resize(copied);
    received.emplace_back(key, bytes);
    return static_cast<size_t>(length) == copied ? sink_status : 1;
}

class OutputSinkTest : public ::testing::Test {
protected:
    void SetUp() override {
        received.clear();
        copy_capacity = OutputSink::kChunkBytes;
        sink_status = 0;
        set_sink_upcall(fake_sink);
    }
    void TearDown() override { set_sink_upcall(nullptr); }
    static bool send(OutputSink& sink, const std::string& text) {
        return sink.send(reinterpret_cast<const uint8_t*>(text.data()), text.size());
    }
};

TEST_F(OutputSinkTest, DeliversBytesToTheKeyInOneCall) {
    OutputSink sink(3);
    EXPECT_TRUE(send(sink, "hello"));
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].first, 3);
    EXPECT_EQ(received[0].second, "hello");
}

TEST_F(OutputSinkTest, LongOutputGoesInChunksInOrder) {
    OutputSink sink(1);
    std::string text;
    for (size_t i = 0; i < 2 * OutputSink::kChunkBytes + 10; ++i) text += static_cast<char>('a' + i % 26);
    EXPECT_TRUE(send(sink, text));
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(received[0].second.size(), OutputSink::kChunkBytes);
    EXPECT_EQ(received[2].second.size(), 10u);
    EXPECT_EQ(received[0].second + received[1].second + received[2].second, text);
}

TEST_F(OutputSinkTest, TheCalleeCopiesNoMoreThanItsCapacity) {
    copy_capacity = 2;
    OutputSink sink(1);
    EXPECT_FALSE(send(sink, "abcd"));  // the fake reports the short copy as a failure
    ASSERT_EQ(received.size(), 1u);
    EXPECT_EQ(received[0].second, "ab");
}

TEST_F(OutputSinkTest, AFailingSinkStopsTheDelivery) {
    sink_status = 1;
    OutputSink sink(1);
    EXPECT_FALSE(send(sink, std::string(OutputSink::kChunkBytes + 1, 'x')));
    EXPECT_EQ(received.size(), 1u);
}

TEST_F(OutputSinkTest, NothingCanBeCopiedOutsideADelivery) {
    uint8_t byte;
    EXPECT_THROW(copy_delivered(&byte, 1), CoreError);
    OutputSink sink(1);
    EXPECT_TRUE(send(sink, "x"));
    EXPECT_THROW(copy_delivered(&byte, 1), CoreError);  // the delivery ended with the call
}

TEST_F(OutputSinkTest, NegativeKeyDropsAndNoUpcallFails) {
    OutputSink none(-1);
    EXPECT_TRUE(send(none, "dropped"));
    EXPECT_TRUE(received.empty());
    set_sink_upcall(nullptr);
    OutputSink sink(1);
    EXPECT_FALSE(send(sink, "x"));
}

}  // namespace
