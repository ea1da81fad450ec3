// vmm4j-agent: the guest side of docs/AGENT-PROTOCOL.md. One thread, one poll loop; as PID 1 it is also init.
//   vmm4j-agent [--channel PATH | --stdio] [--version]
// Default channel: /dev/hvc0 (virtio-console), put in raw mode. --stdio speaks on stdin/stdout (tests).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"

int channel_in = -1;
int channel_out = -1;
jmp_buf session_abort;
int session_abort_reason;  // 1: end of input or a broken channel, 2: a protocol error

static uint8_t input[PROTO_HEADER_SIZE + PROTO_MAX_PAYLOAD];
static uint32_t input_length;
static int is_init;

static void mount_if_missing(const char* source, const char* target, const char* type, const char* probe) {
    if (access(probe, F_OK) == 0) return;
    mkdir(target, 0755);
    if (mount(source, target, type, MS_NOSUID, NULL) != 0 && errno != EBUSY) {
        fprintf(stderr, "vmm4j-agent: mount %s on %s: %s\n", type, target, strerror(errno));
    }
}

static void become_init(void) {
    mount_if_missing("proc", "/proc", "proc", "/proc/self");
    mount_if_missing("sysfs", "/sys", "sysfs", "/sys/kernel");
    mount_if_missing("devtmpfs", "/dev", "devtmpfs", "/dev/null");
    setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0);
    setenv("HOME", "/root", 0);
    if (chdir("/") != 0) perror("vmm4j-agent: chdir /");
}

// The channel device: raw mode, so no byte is translated, echoed or taken as a control character.
static int open_channel(const char* path) {
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) usleep(50000);  // the device node may appear a moment after init starts
    }
    if (fd < 0) {
        fprintf(stderr, "vmm4j-agent: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    struct termios tio;
    if (isatty(fd) && tcgetattr(fd, &tio) == 0) {
        cfmakeraw(&tio);
        tio.c_cc[VMIN] = 1;
        tio.c_cc[VTIME] = 0;
        if (tcsetattr(fd, TCSANOW, &tio) != 0) perror("vmm4j-agent: tcsetattr");
    }
    return fd;
}

static void send_hello(void) {
    uint8_t payload[8 + sizeof AGENT_VERSION];
    put_u32(payload, PROTO_MAX_PAYLOAD);
    put_u32(payload + 4, PROTO_INITIAL_WINDOW);
    memcpy(payload + 8, AGENT_VERSION, sizeof AGENT_VERSION - 1);
    channel_send(T_HELLO, 0, payload, 8 + sizeof AGENT_VERSION - 1);
}

// Data from the host counts against the stream's window: more than one window unacknowledged is a protocol error.
static void take_input_credit(struct stream* s, uint32_t length) {
    if (length > PROTO_INITIAL_WINDOW - s->unacked_input) {
        protocol_error("the host overran the window of stream %u", s->id);
    }
    s->unacked_input += length;
}

static void handle_frame(uint8_t type, uint32_t id, const uint8_t* payload, uint32_t length) {
    struct cursor c = {payload, length, 0};
    switch (type) {
        case T_PING:
            if (id != 0 || length > PROTO_MAX_PING) protocol_error("a PING on stream %u of %u bytes", id, length);
            channel_send(T_PONG, 0, payload, length);
            return;
        case T_EXEC:
        case T_PUT:
        case T_GET:
        case T_LIST:
        case T_STAT:
        case T_MKDIR:
        case T_SET_TIME:
        case T_RESEED:
            if (id == 0 || find_stream(id)) protocol_error("a request on stream %u, which is 0 or in use", id);
            if (type == T_EXEC) exec_start(id, &c);
            if (type == T_PUT) file_put(id, &c);
            if (type == T_GET) file_get(id, &c);
            if (type == T_LIST) file_list(id, &c);
            if (type == T_STAT) file_stat(id, &c);
            if (type == T_MKDIR) file_mkdir(id, &c);
            if (type == T_SET_TIME) set_time(id, &c);
            if (type == T_RESEED) reseed(id, &c);
            return;
        case T_WINDOW:
        case T_STDIN:
        case T_STDIN_EOF:
        case T_SIGNAL:
        case T_DATA:
        case T_END:
        case T_CANCEL: break;
        default: protocol_error("message type 0x%02x is not one the host sends", type);
    }
    if (id == 0) protocol_error("message type 0x%02x on stream 0", type);
    struct stream* s = find_stream(id);
    uint32_t value = 0;
    if (type == T_WINDOW || type == T_SIGNAL) {
        if (length != 4) protocol_error("a %s of %u bytes", type == T_WINDOW ? "WINDOW" : "SIGNAL", length);
        cursor_u32(&c, &value);
    } else if ((type == T_STDIN_EOF || type == T_END || type == T_CANCEL) && length != 0) {
        protocol_error("message type 0x%02x with a payload", type);
    }
    if (type == T_SIGNAL && (value == 0 || value >= 65)) protocol_error("SIGNAL %u", value);
    if (!s) return;  // the stream ended: this crossed our final reply
    switch (type) {
        case T_WINDOW:
            if (value > PROTO_INITIAL_WINDOW - s->send_window) protocol_error("WINDOW overflows stream %u", id);
            s->send_window += value;
            return;
        case T_STDIN:
        case T_STDIN_EOF:
        case T_SIGNAL:
            if (s->kind != S_EXEC) protocol_error("message type 0x%02x on a stream that is no exec", type);
            if (type == T_STDIN) {
                take_input_credit(s, length);
                exec_stdin(s, payload, length);
            }
            if (type == T_STDIN_EOF) exec_stdin_eof(s);
            if (type == T_SIGNAL) exec_signal(s, (int)value);
            return;
        case T_DATA:
        case T_END:
            if (s->kind != S_PUT) protocol_error("message type 0x%02x on a stream that is no put", type);
            if (type == T_DATA) {
                take_input_credit(s, length);
                file_put_data(s, payload, length);
            }
            if (type == T_END) file_put_end(s);
            return;
        case T_CANCEL:
            if (s->kind == S_EXEC)
                exec_cancel(s);
            else
                file_cancel(s);
            return;
    }
}

// Frames are taken out of the input buffer as they complete; a header is judged before its payload is awaited.
static void parse_input(void) {
    uint32_t at = 0;
    while (input_length - at >= PROTO_HEADER_SIZE) {
        const uint8_t* h = input + at;
        if (get_u16(h) != PROTO_MAGIC) protocol_error("bad frame magic 0x%04x", get_u16(h));
        if (h[2] != PROTO_VERSION)
            protocol_error("unknown protocol version %u (this agent speaks %u)", h[2], PROTO_VERSION);
        uint32_t length = get_u32(h + 8);
        if (length > PROTO_MAX_PAYLOAD)
            protocol_error("a frame declares %u payload bytes, more than %u", length, PROTO_MAX_PAYLOAD);
        if (input_length - at < PROTO_HEADER_SIZE + length) break;
        handle_frame(h[3], get_u32(h + 4), h + PROTO_HEADER_SIZE, length);
        if (h[3] == T_RESEED) explicit_bzero(input + at + PROTO_HEADER_SIZE, length);  // see entropy.c
        at += PROTO_HEADER_SIZE + length;
    }
    memmove(input, input + at, input_length - at);
    input_length -= at;
}

static int list_ready(const struct stream* s) {
    return (s->kind == S_GET && s->send_window > 0) || (s->kind == S_LIST && s->send_window >= sizeof s->held);
}

// One session: HELLO, then requests until end of input (returns 1) or a protocol error (returns 2).
static int serve(int child_events) {
    input_length = 0;
    if (setjmp(session_abort)) return session_abort_reason;
    send_hello();
    struct pollfd fds[2 + 3 * MAX_STREAMS];
    struct {
        int stream;
        int fd;
    } owners[2 + 3 * MAX_STREAMS];
    for (;;) {
        int count = 0, timeout = -1;
        int64_t now = now_ms();
        fds[count++] = (struct pollfd){channel_in, POLLIN, 0};
        fds[count++] = (struct pollfd){child_events, POLLIN, 0};
        for (int i = 0; i < MAX_STREAMS; i++) {
            struct stream* s = &streams[i];
            if (list_ready(s)) timeout = 0;
            if (s->kind != S_EXEC) continue;
            int fds_of[3] = {s->send_window ? s->stdout_fd : -1, s->send_window ? s->stderr_fd : -1,
                             s->stdin_length ? s->stdin_fd : -1};
            for (int k = 0; k < 3; k++) {
                if (fds_of[k] < 0) continue;
                owners[count].stream = i;
                owners[count].fd = fds_of[k];
                fds[count++] = (struct pollfd){fds_of[k], (short)(k < 2 ? POLLIN : POLLOUT), 0};
            }
            if (s->deadline_ms && !s->timed_out) {
                int64_t left = s->deadline_ms - now;
                int wait = left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
                if (timeout < 0 || wait < timeout) timeout = wait;
            }
        }
        if (poll(fds, (nfds_t)count, timeout) < 0 && errno != EINTR) {
            perror("vmm4j-agent: poll");
            return 1;
        }
        if (fds[1].revents) {
            struct signalfd_siginfo info;
            while (read(child_events, &info, sizeof info) > 0) {
            }
            reap_children();
        }
        for (int j = 2; j < count; j++) {
            struct stream* s = &streams[owners[j].stream];
            if (!fds[j].revents || s->kind != S_EXEC) continue;
            if (fds[j].events == POLLIN && (owners[j].fd == s->stdout_fd || owners[j].fd == s->stderr_fd)) {
                exec_read_output(s, owners[j].fd);
            } else if (fds[j].events == POLLOUT && owners[j].fd == s->stdin_fd) {
                exec_flush_stdin(s);
            }
        }
        if (fds[0].revents) {
            ssize_t n = read(channel_in, input + input_length, sizeof input - input_length);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return 1;
            if (n > 0) {
                input_length += (uint32_t)n;
                parse_input();
            }
        }
        now = now_ms();
        for (int i = 0; i < MAX_STREAMS; i++) {
            struct stream* s = &streams[i];
            if (list_ready(s)) file_pump(s);
            if (s->kind == S_EXEC) {
                exec_check_deadline(s, now);
                exec_finish_if_done(s);
            }
        }
    }
}

int main(int argc, char** argv) {
    const char* channel = "/dev/hvc0";
    int stdio = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--stdio")) {
            stdio = 1;
        } else if (!strcmp(argv[i], "--channel") && i + 1 < argc) {
            channel = argv[++i];
        } else if (!strcmp(argv[i], "--version")) {
            puts(AGENT_VERSION);
            return 0;
        } else {
            fprintf(stderr, "usage: vmm4j-agent [--channel PATH | --stdio] [--version]\n");
            return 2;
        }
    }
    is_init = getpid() == 1;
    if (is_init)
        become_init();
    else
        prctl(PR_SET_CHILD_SUBREAPER, 1);

    // SIGCHLD comes through a signalfd; a closed pipe is an EPIPE, not a signal.
    sigset_t child_signal;
    sigemptyset(&child_signal);
    sigaddset(&child_signal, SIGCHLD);
    sigprocmask(SIG_BLOCK, &child_signal, NULL);
    int child_events = signalfd(-1, &child_signal, SFD_NONBLOCK | SFD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);
    if (child_events < 0) {
        perror("vmm4j-agent: signalfd");
        return 1;
    }

    for (;;) {
        if (stdio) {
            // Our own stdio would be the channel: keep it for the protocol only, and give 0 and 1 /dev/null.
            channel_in = fcntl(0, F_DUPFD_CLOEXEC, 3);
            channel_out = fcntl(1, F_DUPFD_CLOEXEC, 3);
            int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            if (null > 1) close(null);
        } else {
            channel_in = channel_out = open_channel(channel);
        }
        if (channel_in < 0 || channel_out < 0) {
            if (!is_init) return 1;
            sleep(1);
            continue;
        }
        int reason = serve(child_events);
        kill_all_execs();
        if (!is_init) return reason == 2 ? 2 : 0;
        // As init we must not exit (the kernel would panic): start a new session on a fresh channel.
        if (channel_out != channel_in) close(channel_out);
        close(channel_in);
        stdio = 0;
        fprintf(stderr, "vmm4j-agent: session ended (%s); reopening %s\n",
                reason == 2 ? "protocol error" : "end of input", channel);
    }
}
