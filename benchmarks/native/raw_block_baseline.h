// The raw baseline for the virtio-blk benchmark: plain pread/pwrite on the same file, one system
// call per request, each request into its own buffer slot (as the virtio side uses one guest
// buffer per request). The buffers are mapped exactly as vmm4j maps guest RAM (anonymous,
// MAP_PRIVATE | MAP_NORESERVE, 4 KiB pages) and touched up front, so both sides copy between the
// same page cache and the same kind of memory. The file is opened as BlockDevice opens it
// (O_RDWR | O_CLOEXEC, buffered).
//
// Header-only; bound by io.vmm4j.benchmarks.baseline.RawKvm (one JNI downcall per batch).
// Errors are returned as -errno.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

struct raw_block_context {
    int fd;
    uint8_t* buffers;
    uint64_t buffer_bytes;
};

// Opens `path` and maps `buffer_bytes` of buffers; returns a context handle or -errno.
inline int64_t raw_block_open(const char* path, int64_t buffer_bytes) {
    int fd = ::open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return -errno;
    void* buffers = ::mmap(nullptr, static_cast<size_t>(buffer_bytes), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (buffers == MAP_FAILED) {
        int error = errno;
        ::close(fd);
        return -error;
    }
    std::memset(buffers, 0, static_cast<size_t>(buffer_bytes));  // touched, as the guest's data area
    auto* context = new (std::nothrow) raw_block_context{fd, static_cast<uint8_t*>(buffers),
                                                         static_cast<uint64_t>(buffer_bytes)};
    if (context == nullptr) {
        ::munmap(buffers, static_cast<size_t>(buffer_bytes));
        ::close(fd);
        return -ENOMEM;
    }
    return reinterpret_cast<int64_t>(context);
}

// `count` synchronous requests of `bytes` each at `offsets[i]`, request i in buffer slot
// `first_slot + i` (slots are `bytes` long). Returns the number of completed requests, or -errno.
inline int64_t raw_block_batch(int64_t handle, const int64_t* offsets, int32_t count, int32_t bytes, int32_t write,
                               int32_t first_slot) {
    auto* context = reinterpret_cast<raw_block_context*>(handle);
    if (count < 0 || bytes <= 0 || first_slot < 0 ||
        (static_cast<uint64_t>(first_slot) + static_cast<uint64_t>(count)) * static_cast<uint64_t>(bytes) >
            context->buffer_bytes) {
        return -EINVAL;
    }
    for (int32_t i = 0; i < count; ++i) {
        uint8_t* buffer =
            context->buffers + (static_cast<uint64_t>(first_slot) + static_cast<uint64_t>(i)) * static_cast<uint64_t>(bytes);
        int64_t offset = offsets[i];
        int64_t left = bytes;
        while (left > 0) {
            ssize_t done = write ? ::pwrite(context->fd, buffer, static_cast<size_t>(left), offset)
                                 : ::pread(context->fd, buffer, static_cast<size_t>(left), offset);
            if (done < 0) {
                if (errno == EINTR) continue;
                return -errno;
            }
            if (done == 0) return -EIO;
            buffer += done;
            offset += done;
            left -= done;
        }
    }
    return count;
}

inline void raw_block_close(int64_t handle) {
    auto* context = reinterpret_cast<raw_block_context*>(handle);
    ::munmap(context->buffers, static_cast<size_t>(context->buffer_bytes));
    ::close(context->fd);
    delete context;
}
