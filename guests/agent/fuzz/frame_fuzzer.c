// libFuzzer target for the agent's input side: framing (parse_input), dispatch (handle_frame), windows, payload
// cursors and the EXEC and RESEED parsers, on arbitrary bytes. Nothing runs: exec and file requests are stubs that
// keep the stream table as the real ones do (so credit, SIGNAL, DATA and END paths are reached) but never fork,
// signal, touch a file or feed the host's RNG. A protocol error unwinds to here as it does to the session loop.
// Run by ./run.
#define main agent_main
#include "../main.c"

static int stream_ok(struct stream* s) { return s >= streams && s < streams + MAX_STREAMS && s->kind != S_FREE; }

void exec_start(uint32_t id, struct cursor* c) {
    struct exec_request r;
    if (exec_request_parse(id, c, &r) != 0) return;
    struct stream* s = new_stream(id, S_EXEC);
    if (s) s->stdin_fd = (r.flags & EXEC_STDIN_PIPE) ? 1000 : -1;  // a marker, never used as an fd
    exec_request_free(&r);
}
void exec_stdin(struct stream* s, const uint8_t* data, uint32_t length) {
    (void)data;
    if (!stream_ok(s) || s->unacked_input < length) abort();
    s->unacked_input -= length;
}
void exec_stdin_eof(struct stream* s) { s->stdin_eof = 1; }
void exec_signal(struct stream* s, int signal) {
    if (!stream_ok(s) || signal <= 0 || signal >= 65) abort();
}
void exec_cancel(struct stream* s) {
    s->stdin_fd = -1;
    free_stream(s);
}
void exec_flush_stdin(struct stream* s) { (void)s; }
void exec_read_output(struct stream* s, int fd) { (void)s, (void)fd; }
void exec_check_deadline(struct stream* s, int64_t now) { (void)s, (void)now; }
void exec_finish_if_done(struct stream* s) { (void)s; }
void reap_children(void) {}
void kill_all_execs(void) {
    for (int i = 0; i < MAX_STREAMS; i++) {
        streams[i].stdin_fd = -1;  // markers, not fds
        if (streams[i].kind != S_FREE) free_stream(&streams[i]);
    }
}

static void path_request(uint32_t id, struct cursor* c, enum stream_kind kind) {
    char* path = cursor_rest(c);
    if (!path) protocol_error("a path with a NUL byte");
    struct stream* s = kind == S_FREE ? NULL : new_stream(id, kind);
    if (s)
        s->path = path;
    else
        free(path);
}
void file_put(uint32_t id, struct cursor* c) {
    uint32_t mode;
    if (cursor_u32(c, &mode)) protocol_error("a short PUT");
    path_request(id, c, S_PUT);
}
void file_put_data(struct stream* s, const uint8_t* data, uint32_t length) {
    (void)data;
    if (!stream_ok(s) || s->kind != S_PUT || s->unacked_input < length) abort();
    s->unacked_input -= length;
}
void file_put_end(struct stream* s) { free_stream(s); }
void file_get(uint32_t id, struct cursor* c) { path_request(id, c, S_GET); }
void file_list(uint32_t id, struct cursor* c) { path_request(id, c, S_FREE); }
void file_stat(uint32_t id, struct cursor* c) { path_request(id, c, S_FREE); }
void file_mkdir(uint32_t id, struct cursor* c) {
    uint32_t mode;
    if (cursor_u32(c, &mode)) protocol_error("a short MKDIR");
    path_request(id, c, S_FREE);
}
void file_cancel(struct stream* s) { free_stream(s); }
void file_pump(struct stream* s) { (void)s; }
void set_time(uint32_t id, struct cursor* c) {
    uint64_t seconds;
    uint32_t nanoseconds;
    (void)id;
    if (cursor_u64(c, &seconds) || cursor_u32(c, &nanoseconds) || c->left != 0) protocol_error("SET_TIME");
}
void reseed(uint32_t id, struct cursor* c) {
    const uint8_t* seed;
    uint32_t length;
    (void)id;
    reseed_request_parse(c, &seed, &length);
    if (length < PROTO_MIN_SEED || length > PROTO_MAX_SEED || c->left != 0) abort();
    volatile uint8_t sum = 0;  // every seed byte is read, so ASan checks that the parser kept within the frame
    for (uint32_t i = 0; i < length; i++) sum ^= seed[i];
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (channel_out < 0) channel_out = open("/dev/null", O_WRONLY | O_CLOEXEC);
    input_length = 0;
    if (setjmp(session_abort) == 0) {
        // Fed in pieces, as reads from the channel arrive, so frames split across reads are covered too.
        size_t at = 0, piece = size ? 1 + data[0] % 97 : 1;
        while (at < size) {
            size_t room = sizeof input - input_length, n = size - at < piece ? size - at : piece;
            if (n > room) n = room;
            memcpy(input + input_length, data + at, n);
            input_length += (uint32_t)n;
            at += n;
            parse_input();
        }
    }
    kill_all_execs();
    return 0;
}
