#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <utility>

namespace vmm4j {

// Owns one mmap'd range and unmaps it exactly once.
class Mapping {
public:
    Mapping() noexcept = default;
    Mapping(void* address, size_t length) noexcept : address_(address), length_(length) {}
    Mapping(Mapping&& other) noexcept
        : address_(std::exchange(other.address_, nullptr)), length_(std::exchange(other.length_, 0)) {}
    Mapping& operator=(Mapping&& other) noexcept {
        if (this != &other) {
            reset();
            address_ = std::exchange(other.address_, nullptr);
            length_ = std::exchange(other.length_, 0);
        }
        return *this;
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() { reset(); }

    void* get() const noexcept { return address_; }
    size_t length() const noexcept { return length_; }

    void reset() noexcept {
        if (address_ != nullptr) ::munmap(address_, length_);
        address_ = nullptr;
        length_ = 0;
    }

private:
    void* address_ = nullptr;
    size_t length_ = 0;
};

}  // namespace vmm4j
