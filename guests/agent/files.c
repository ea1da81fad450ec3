// Files: put (streamed in), get and list (streamed out within the window), stat, mkdir -p, and the clock.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

static char* request_path(struct cursor* c, const char* what) {
    char* path = cursor_rest(c);
    if (!path) protocol_error("a %s path with a NUL byte", what);
    if (!path[0]) {
        free(path);
        protocol_error("a %s with an empty path", what);
    }
    return path;
}

static uint8_t file_type(mode_t mode) {
    if (S_ISREG(mode)) return FT_FILE;
    if (S_ISDIR(mode)) return FT_DIRECTORY;
    if (S_ISLNK(mode)) return FT_SYMLINK;
    return FT_OTHER;
}

static void send_info(uint32_t id, const struct stat* st) {
    uint8_t info[13];
    info[0] = file_type(st->st_mode);
    put_u32(info + 1, st->st_mode & 07777);
    put_u64(info + 5, (uint64_t)st->st_size);
    channel_send(T_INFO, id, info, sizeof info);
}

void file_put(uint32_t id, struct cursor* c) {
    uint32_t mode;
    if (cursor_u32(c, &mode)) protocol_error("a PUT payload of %u bytes is too short", c->left);
    char* path = request_path(c, "PUT");
    struct stream* s = new_stream(id, S_PUT);
    if (!s) {
        free(path);
        return;
    }
    s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s->fd < 0 || fchmod(s->fd, mode & 07777) != 0) {
        int err = errno;
        free_stream(s);
        send_error(id, ERR_IO, (uint32_t)err, "open %s: %s", path, strerror(err));
        free(path);
        return;
    }
    s->path = path;
}

void file_put_data(struct stream* s, const uint8_t* data, uint32_t length) {
    uint32_t done = 0;
    while (done < length) {
        ssize_t n = write(s->fd, data + done, length - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = n < 0 ? errno : ENOSPC;
            uint32_t id = s->id;
            unlink(s->path);
            send_error(id, ERR_IO, (uint32_t)err, "write %s: %s", s->path, strerror(err));
            free_stream(s);
            return;
        }
        done += (uint32_t)n;
    }
    s->unacked_input -= length;
    send_window(s->id, length);
}

void file_put_end(struct stream* s) {
    uint32_t id = s->id;
    int fd = s->fd;
    s->fd = -1;
    if (close(fd) != 0) {
        int err = errno;
        send_error(id, ERR_IO, (uint32_t)err, "close %s: %s", s->path, strerror(err));
    } else {
        channel_send(T_OK, id, NULL, 0);
    }
    free_stream(s);
}

void file_get(uint32_t id, struct cursor* c) {
    char* path = request_path(c, "GET");
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err = fd < 0 ? errno : fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (err) {
        if (fd >= 0) close(fd);
        send_error(id, ERR_IO, (uint32_t)err, "get %s: %s", path, strerror(err));
        free(path);
        return;
    }
    struct stream* s = new_stream(id, S_GET);
    if (!s) {
        close(fd);
        free(path);
        return;
    }
    s->fd = fd;
    s->path = path;
    send_info(id, &st);
}

void file_list(uint32_t id, struct cursor* c) {
    char* path = request_path(c, "LIST");
    DIR* dir = opendir(path);
    if (!dir) {
        int err = errno;
        send_error(id, ERR_IO, (uint32_t)err, "list %s: %s", path, strerror(err));
        free(path);
        return;
    }
    struct stream* s = new_stream(id, S_LIST);
    if (!s) {
        closedir(dir);
        free(path);
        return;
    }
    s->dir = dir;
    s->path = path;
}

void file_stat(uint32_t id, struct cursor* c) {
    char* path = request_path(c, "STAT");
    struct stat st;
    if (stat(path, &st) != 0) {
        int err = errno;
        send_error(id, ERR_IO, (uint32_t)err, "stat %s: %s", path, strerror(err));
    } else {
        send_info(id, &st);
    }
    free(path);
}

// mkdir -p: every missing component, the last one with the requested mode (chmod'ed, so the umask does not apply).
void file_mkdir(uint32_t id, struct cursor* c) {
    uint32_t mode;
    if (cursor_u32(c, &mode)) protocol_error("a MKDIR payload of %u bytes is too short", c->left);
    char* path = request_path(c, "MKDIR");
    int err = 0;
    for (char* p = path + 1;; p++) {
        if (*p != '/' && *p != 0) continue;
        char saved = *p;
        *p = 0;
        struct stat st;
        if (mkdir(path, 0755) != 0 && (errno != EEXIST || stat(path, &st) != 0 || !S_ISDIR(st.st_mode))) {
            err = errno == EEXIST ? ENOTDIR : errno;
        }
        *p = saved;
        if (err || saved == 0) break;
    }
    if (!err && chmod(path, mode & 07777) != 0) err = errno;
    if (err) {
        send_error(id, ERR_IO, (uint32_t)err, "mkdir %s: %s", path, strerror(err));
    } else {
        channel_send(T_OK, id, NULL, 0);
    }
    free(path);
}

void file_cancel(struct stream* s) {
    uint32_t id = s->id;
    if (s->kind == S_PUT) unlink(s->path);
    free_stream(s);
    send_error(id, ERR_IO, ECANCELED, "cancelled");
}

static void pump_get(struct stream* s) {
    static uint8_t buffer[PROTO_MAX_PAYLOAD];
    uint32_t want = s->send_window < sizeof buffer ? s->send_window : sizeof buffer;
    ssize_t n;
    do n = read(s->fd, buffer, want);
    while (n < 0 && errno == EINTR);
    uint32_t id = s->id;
    if (n < 0) {
        int err = errno;
        send_error(id, ERR_IO, (uint32_t)err, "read %s: %s", s->path, strerror(err));
        free_stream(s);
    } else if (n == 0) {
        free_stream(s);
        channel_send(T_END, id, NULL, 0);
    } else {
        s->send_window -= (uint32_t)n;
        channel_send(T_DATA, id, buffer, (uint32_t)n);
    }
}

// Entries are packed whole into DATA frames; one that does not fit waits in s->held.
static void pump_list(struct stream* s) {
    static uint8_t buffer[PROTO_MAX_PAYLOAD];
    uint32_t room = s->send_window < sizeof buffer ? s->send_window : sizeof buffer;
    uint32_t used = 0;
    int ended = 0;
    for (;;) {
        if (s->held_length == 0) {
            errno = 0;
            struct dirent* entry = readdir(s->dir);
            if (!entry) {
                ended = 1;
                break;
            }
            if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
            struct stat st;
            if (fstatat(dirfd(s->dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
            uint32_t name_length = (uint32_t)strlen(entry->d_name);
            s->held[0] = file_type(st.st_mode);
            put_u32(s->held + 1, st.st_mode & 07777);
            put_u64(s->held + 5, (uint64_t)st.st_size);
            put_u16(s->held + 13, (uint16_t)name_length);
            memcpy(s->held + 15, entry->d_name, name_length);
            s->held_length = 15 + name_length;
        }
        if (used + s->held_length > room) break;
        memcpy(buffer + used, s->held, s->held_length);
        used += s->held_length;
        s->held_length = 0;
    }
    uint32_t id = s->id;
    if (used) {
        s->send_window -= used;
        channel_send(T_DATA, id, buffer, used);
    }
    if (ended) {
        free_stream(s);
        channel_send(T_END, id, NULL, 0);
    }
}

void file_pump(struct stream* s) {
    if (s->send_window == 0) return;
    if (s->kind == S_GET) pump_get(s);
    if (s->kind == S_LIST) pump_list(s);
}

void set_time(uint32_t id, struct cursor* c) {
    uint64_t seconds;
    uint32_t nanoseconds;
    if (cursor_u64(c, &seconds) || cursor_u32(c, &nanoseconds) || c->left != 0 || nanoseconds >= 1000000000u ||
        seconds > (uint64_t)INT64_MAX) {
        protocol_error("a malformed SET_TIME");
    }
    struct timespec t = {(time_t)seconds, (long)nanoseconds};
    if (clock_settime(CLOCK_REALTIME, &t) != 0) {
        int err = errno;
        send_error(id, ERR_IO, (uint32_t)err, "clock_settime: %s", strerror(err));
    } else {
        channel_send(T_OK, id, NULL, 0);
    }
}
