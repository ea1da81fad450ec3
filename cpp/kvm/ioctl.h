#pragma once

#include <sys/ioctl.h>

#include <cerrno>

#include "common/error.h"

namespace vmm4j {

// Runs one ioctl, retrying on EINTR, and throws a System error naming it on failure.
template <typename Arg>
inline int checked_ioctl(int fd, unsigned long request, const char* name, Arg arg) {
    int result;
    do {
        result = ::ioctl(fd, request, arg);
    } while (result < 0 && errno == EINTR);
    if (result < 0) throw_errno(name);
    return result;
}

#define VMM4J_IOCTL(fd, request, arg) ::vmm4j::checked_ioctl((fd), (request), #request, (arg))

}  // namespace vmm4j
