#include "common/error.h"

#include <cstring>

namespace vmm4j {

std::string errno_text(int error_number) {
    char buffer[256];
    // GNU strerror_r may return a static string instead of filling the buffer.
    const char* text = strerror_r(error_number, buffer, sizeof buffer);
    return std::string(text) + " (errno " + std::to_string(error_number) + ")";
}

void throw_errno(const std::string& operation, const std::string& detail) {
    const int saved = errno;
    std::string message = errno_text(saved);
    if (!detail.empty()) message = detail + ": " + message;
    throw CoreError(ErrorKind::System, operation, message, saved);
}

}  // namespace vmm4j
