// Errors inside the core are C++ exceptions; the JNI boundary (jni/native_api.cpp)
// turns every one of them into a failed return value plus a thread-local record,
// so no exception and no errno is ever lost crossing into Java.
#pragma once

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace vmm4j {

// Java reads these numbers from the contract table (jni/contract.cpp, io.vmm4j.jni.NativeContract).
enum class ErrorKind : int32_t {
    None = 0,
    System = 1,           // an ioctl or syscall failed; errno is set
    InvalidArgument = 2,  // the caller passed something the core refuses
    OutOfBounds = 3,      // a guest address range outside guest memory
    Conflict = 4,         // overlapping device ranges or memory regions
    State = 5,            // the object is in the wrong state for the call
    Internal = 6,         // anything else, including foreign exceptions
};

class CoreError : public std::runtime_error {
public:
    CoreError(ErrorKind kind, std::string operation, std::string detail, int error_number = 0)
        : std::runtime_error(operation + ": " + detail),
          kind_(kind),
          operation_(std::move(operation)),
          error_number_(error_number) {}

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& operation() const noexcept { return operation_; }
    int error_number() const noexcept { return error_number_; }

private:
    ErrorKind kind_;
    std::string operation_;
    int error_number_;
};

// Throws a System error for `operation` with the current errno.
[[noreturn]] void throw_errno(const std::string& operation, const std::string& detail = "");

[[noreturn]] inline void throw_invalid(const std::string& operation, const std::string& detail) {
    throw CoreError(ErrorKind::InvalidArgument, operation, detail);
}

std::string errno_text(int error_number);

}  // namespace vmm4j
