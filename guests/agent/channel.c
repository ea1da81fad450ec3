// Frames out to the host, payload cursors, and the stream table.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

struct stream streams[MAX_STREAMS];

extern int channel_out;
extern jmp_buf session_abort;
extern int session_abort_reason;

// Blocking: the host's reader never waits on us, so a full channel only means the host is behind.
int channel_send(uint8_t type, uint32_t stream, const void* payload, uint32_t length) {
    uint8_t header[PROTO_HEADER_SIZE];
    put_u16(header, PROTO_MAGIC);
    header[2] = PROTO_VERSION;
    header[3] = type;
    put_u32(header + 4, stream);
    put_u32(header + 8, length);
    struct iovec iov[2] = {{header, sizeof header}, {(void*)payload, length}};
    int count = length ? 2 : 1;
    struct iovec* v = iov;
    while (count > 0) {
        ssize_t n = writev(channel_out, v, count);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            // The host is gone: end the session as at end of input.
            session_abort_reason = 1;
            longjmp(session_abort, 1);
        }
        while (count > 0 && (size_t)n >= v->iov_len) {
            n -= (ssize_t)v->iov_len;
            v++;
            count--;
        }
        if (count > 0) {
            v->iov_base = (uint8_t*)v->iov_base + n;
            v->iov_len -= (size_t)n;
        }
    }
    return 0;
}

static int send_error_v(uint32_t stream, uint32_t kind, uint32_t err, const char* format, va_list args) {
    uint8_t payload[8 + 512];
    put_u32(payload, kind);
    put_u32(payload + 4, err);
    int n = vsnprintf((char*)payload + 8, 512, format, args);
    if (n < 0) n = 0;
    if (n > 511) n = 511;
    return channel_send(T_ERROR, stream, payload, 8 + (uint32_t)n);
}

int send_error(uint32_t stream, uint32_t kind, uint32_t err, const char* format, ...) {
    va_list args;
    va_start(args, format);
    int r = send_error_v(stream, kind, err, format, args);
    va_end(args);
    return r;
}

int send_window(uint32_t stream, uint32_t credit) {
    uint8_t payload[4];
    put_u32(payload, credit);
    return channel_send(T_WINDOW, stream, payload, 4);
}

void protocol_error(const char* format, ...) {
    char message[400];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    fprintf(stderr, "vmm4j-agent: protocol error: %s\n", message);
    send_error(0, ERR_PROTOCOL, 0, "%s", message);
    session_abort_reason = 2;
    longjmp(session_abort, 1);
}

int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

struct stream* find_stream(uint32_t id) {
    if (id == 0) return NULL;
    for (int i = 0; i < MAX_STREAMS; i++) {
        if (streams[i].kind != S_FREE && streams[i].id == id) return &streams[i];
    }
    return NULL;
}

// A request's stream: the id must be new; a full table is the request's error, not the session's.
struct stream* new_stream(uint32_t id, enum stream_kind kind) {
    for (int i = 0; i < MAX_STREAMS; i++) {
        if (streams[i].kind == S_FREE) {
            struct stream* s = &streams[i];
            memset(s, 0, sizeof *s);
            s->kind = kind;
            s->id = id;
            s->send_window = PROTO_INITIAL_WINDOW;
            s->fd = s->stdin_fd = s->stdout_fd = s->stderr_fd = -1;
            return s;
        }
    }
    send_error(id, ERR_LIMIT, EAGAIN, "the agent serves at most %d streams at once", MAX_STREAMS);
    return NULL;
}

static void close_fd(int* fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

void free_stream(struct stream* s) {
    close_fd(&s->fd);
    close_fd(&s->stdin_fd);
    close_fd(&s->stdout_fd);
    close_fd(&s->stderr_fd);
    free(s->stdin_buffer);
    free(s->path);
    if (s->dir) closedir(s->dir);
    memset(s, 0, sizeof *s);
    s->kind = S_FREE;
}

static int cursor_take(struct cursor* c, uint32_t count, const uint8_t** out) {
    if (c->bad || count > c->left) {
        c->bad = 1;
        return -1;
    }
    *out = c->data;
    c->data += count;
    c->left -= count;
    return 0;
}

int cursor_u8(struct cursor* c, uint8_t* out) {
    const uint8_t* p;
    if (cursor_take(c, 1, &p)) return -1;
    *out = p[0];
    return 0;
}

int cursor_u32(struct cursor* c, uint32_t* out) {
    const uint8_t* p;
    if (cursor_take(c, 4, &p)) return -1;
    *out = get_u32(p);
    return 0;
}

int cursor_u64(struct cursor* c, uint64_t* out) {
    const uint8_t* p;
    if (cursor_take(c, 8, &p)) return -1;
    *out = get_u64(p);
    return 0;
}

int cursor_string(struct cursor* c, char* out) {
    uint32_t length;
    const uint8_t* p;
    if (cursor_u32(c, &length) || cursor_take(c, length, &p)) return -1;
    if (memchr(p, 0, length)) {
        c->bad = 1;
        return -1;
    }
    memcpy(out, p, length);
    out[length] = 0;
    return 0;
}

char* cursor_rest(struct cursor* c) {
    if (c->bad || memchr(c->data, 0, c->left)) return NULL;
    char* s = malloc(c->left + 1);
    if (!s) return NULL;
    memcpy(s, c->data, c->left);
    s[c->left] = 0;
    c->data += c->left;
    c->left = 0;
    return s;
}
