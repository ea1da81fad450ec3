// RESEED: the host's random bytes go into the kernel's input pool, then the crng is reseeded from it at once, so
// clones of one snapshot (which resume with the same RNG state) draw different random numbers from then on. This is
// what the VM Generation ID driver does in the kernel; the guest kernel may lack it (Debian's cloud kernel does).
#include <errno.h>
#include <fcntl.h>
#include <linux/random.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "agent.h"

#ifndef RNDRESEEDCRNG
#define RNDRESEEDCRNG _IO('R', 0x07)  // Linux 4.17; older libc headers lack it
#endif

void reseed(uint32_t id, struct cursor* c) {
    const uint8_t* seed;
    uint32_t length;
    reseed_request_parse(c, &seed, &length);
    _Alignas(struct rand_pool_info) uint8_t buffer[sizeof(struct rand_pool_info) + PROTO_MAX_SEED];
    struct rand_pool_info* pool = (struct rand_pool_info*)buffer;
    pool->entropy_count = (int)length * 8;  // the host's bytes are random: every bit counts
    pool->buf_size = (int)length;
    memcpy(pool->buf, seed, length);

    const char* failed = "open";
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (ioctl(fd, RNDADDENTROPY, pool) != 0)
            failed = "ioctl RNDADDENTROPY on";
        else if (ioctl(fd, RNDRESEEDCRNG) != 0)
            failed = "ioctl RNDRESEEDCRNG on";
        else
            failed = NULL;
    }
    int err = errno;
    if (fd >= 0) close(fd);
    explicit_bzero(buffer, sizeof buffer);  // the seed sets this guest apart from its siblings: keep no copy
    if (failed) {
        send_error(id, ERR_IO, (uint32_t)err, "%s /dev/urandom: %s", failed, strerror(err));
    } else {
        channel_send(T_OK, id, NULL, 0);
    }
}
