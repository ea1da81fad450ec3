// Device state as bytes: little-endian fields written in order and read back in the same order.
// Saved state comes back as untrusted input, so every read is bounds-checked and a refusal names
// the device, the field and the byte offset.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"

namespace vmm4j {

class StateWriter {
public:
    void u8(uint8_t value) { put(&value, 1); }
    void u16(uint16_t value) { put(&value, 2); }
    void u32(uint32_t value) { put(&value, 4); }
    void u64(uint64_t value) { put(&value, 8); }
    // A u32 length, then the bytes.
    void bytes(const uint8_t* data, size_t length) {
        u32(static_cast<uint32_t>(length));
        put(data, length);
    }
    void text(const std::string& value) { bytes(reinterpret_cast<const uint8_t*>(value.data()), value.size()); }
    const std::vector<uint8_t>& data() const noexcept { return data_; }

private:
    void put(const void* value, size_t length) {
        const auto* p = static_cast<const uint8_t*>(value);
        data_.insert(data_.end(), p, p + length);  // x86: the host order is little-endian
    }
    std::vector<uint8_t> data_;
};

class StateReader {
public:
    StateReader(std::string device, const uint8_t* data, size_t size)
        : device_(std::move(device)), data_(data), size_(size) {}

    uint8_t u8(const char* field) { return get<uint8_t>(field); }
    uint16_t u16(const char* field) { return get<uint16_t>(field); }
    uint32_t u32(const char* field) { return get<uint32_t>(field); }
    uint64_t u64(const char* field) { return get<uint64_t>(field); }
    bool flag(const char* field) {
        const size_t at = offset_;
        const uint8_t value = u8(field);
        if (value > 1) refuse(at, std::string(field) + " is " + std::to_string(value) + ", not 0 or 1");
        return value != 0;
    }
    // A u32 length of at most `max_length`, then the bytes.
    std::vector<uint8_t> bytes(const char* field, size_t max_length) {
        const size_t at = offset_;
        const uint32_t length = u32(field);
        if (length > max_length) {
            refuse(at, std::string(field) + " has " + std::to_string(length) + " bytes, more than " +
                           std::to_string(max_length));
        }
        need(field, length);
        std::vector<uint8_t> value(data_ + offset_, data_ + offset_ + length);
        offset_ += length;
        return value;
    }
    std::string text(const char* field, size_t max_length) {
        const std::vector<uint8_t> value = bytes(field, max_length);
        return std::string(value.begin(), value.end());
    }
    // Refuses bytes left over after the last field.
    void finish() const {
        if (offset_ != size_) refuse(offset_, std::to_string(size_ - offset_) + " bytes after the last field");
    }
    size_t offset() const noexcept { return offset_; }
    [[noreturn]] void refuse(size_t at, const std::string& why) const {
        throw_invalid("restore device state", device_ + " state, offset " + std::to_string(at) + ": " + why);
    }

private:
    template <typename T>
    T get(const char* field) {
        need(field, sizeof(T));
        T value;
        std::memcpy(&value, data_ + offset_, sizeof(T));
        offset_ += sizeof(T);
        return value;
    }
    void need(const char* field, size_t length) const {
        if (size_ - offset_ < length) {
            refuse(offset_, std::string("truncated: ") + field + " needs " + std::to_string(length) + " bytes, " +
                                std::to_string(size_ - offset_) + " left");
        }
    }

    std::string device_;
    const uint8_t* data_;
    size_t size_;
    size_t offset_ = 0;
};

}  // namespace vmm4j
