// Shared state of the guest agent: the channel to the host, and the streams it serves.
#ifndef VMM4J_AGENT_H
#define VMM4J_AGENT_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "protocol.h"

#define AGENT_VERSION "vmm4j-agent 0.1.0"
#define MAX_STREAMS   64

enum stream_kind { S_FREE = 0, S_EXEC, S_PUT, S_GET, S_LIST };

struct stream {
    enum stream_kind kind;
    uint32_t id;
    uint32_t send_window;    // bytes of data the host lets us send
    uint32_t unacked_input;  // host data received and not yet credited back (at most one window)

    // S_EXEC
    pid_t pid;
    int reaped;
    int wait_status;
    int timed_out;
    int cancelled;        // killed by the host (CANCEL) or by the timeout: EXIT goes out once reaped
    int64_t deadline_ms;  // CLOCK_MONOTONIC, 0 for none
    int stdin_fd;         // -1 once closed (or /dev/null)
    int stdout_fd, stderr_fd;
    uint8_t* stdin_buffer;  // at most one window, written to stdin_fd as the pipe takes it
    uint32_t stdin_start, stdin_length;
    int stdin_eof;

    // S_PUT, S_GET
    int fd;
    char* path;

    // S_LIST
    DIR* dir;
    uint8_t held[16 + 256];  // one entry that did not fit the last DATA frame
    uint32_t held_length;
};

extern struct stream streams[MAX_STREAMS];

// A payload being read: every field is checked against what is left.
struct cursor {
    const uint8_t* data;
    uint32_t left;
    int bad;
};

int cursor_u8(struct cursor* c, uint8_t* out);
int cursor_u32(struct cursor* c, uint32_t* out);
int cursor_u64(struct cursor* c, uint64_t* out);
// A u32-length-prefixed string, copied NUL-terminated into out (which has room for the whole payload + 1).
int cursor_string(struct cursor* c, char* out);
// The rest of the payload as a NUL-terminated string (malloc'd); NULL if it holds a NUL.
char* cursor_rest(struct cursor* c);

// channel.c
int channel_send(uint8_t type, uint32_t stream, const void* payload, uint32_t length);
int send_error(uint32_t stream, uint32_t kind, uint32_t err, const char* format, ...)
    __attribute__((format(printf, 4, 5)));
int send_window(uint32_t stream, uint32_t credit);
// A fatal protocol error: report it, and unwind to the session loop.
void protocol_error(const char* format, ...) __attribute__((format(printf, 1, 2), noreturn));

int64_t now_ms(void);
struct stream* find_stream(uint32_t id);
struct stream* new_stream(uint32_t id, enum stream_kind kind);
void free_stream(struct stream* s);

// request.c
struct exec_request {
    uint32_t flags, timeout_ms, argc, envc;
    char* text;  // the strings, NUL-terminated, that argv, env and cwd point into
    char** argv;
    char** env;
    const char* cwd;
};
// 0, or -1 after answering ERROR LIMIT; a malformed payload is a protocol_error.
int exec_request_parse(uint32_t id, struct cursor* c, struct exec_request* r);
void exec_request_free(struct exec_request* r);
// RESEED: the seed is the whole payload, PROTO_MIN_SEED to PROTO_MAX_SEED bytes; another length is a protocol_error.
void reseed_request_parse(struct cursor* c, const uint8_t** seed, uint32_t* length);

// exec.c
void exec_start(uint32_t id, struct cursor* c);
void exec_stdin(struct stream* s, const uint8_t* data, uint32_t length);
void exec_stdin_eof(struct stream* s);
void exec_signal(struct stream* s, int signal);
void exec_cancel(struct stream* s);
void exec_flush_stdin(struct stream* s);
void exec_read_output(struct stream* s, int fd);
void exec_check_deadline(struct stream* s, int64_t now);
void exec_finish_if_done(struct stream* s);
void reap_children(void);
void kill_all_execs(void);

// files.c
void file_put(uint32_t id, struct cursor* c);
void file_put_data(struct stream* s, const uint8_t* data, uint32_t length);
void file_put_end(struct stream* s);
void file_get(uint32_t id, struct cursor* c);
void file_list(uint32_t id, struct cursor* c);
void file_stat(uint32_t id, struct cursor* c);
void file_mkdir(uint32_t id, struct cursor* c);
void file_cancel(struct stream* s);
void file_pump(struct stream* s);  // GET and LIST: send what the window allows
void set_time(uint32_t id, struct cursor* c);

// entropy.c
void reseed(uint32_t id, struct cursor* c);

#endif
