// Commands: fork and exec with pipes, output within the window, process-group signals, timeouts, reaping.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define STAGE_EXEC 1
#define STAGE_CWD  2

// The child's half: it never returns. A failure before execve goes back through the close-on-exec pipe.
static void child(int report, int in, int out, int err, char** argv, char** env, uint32_t envc, const char* cwd) {
    sigset_t none;
    sigemptyset(&none);
    for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (uint32_t i = 0; i < envc; i++) putenv(env[i]);
    int stage = STAGE_CWD;
    if ((!cwd[0] || chdir(cwd) == 0)) {
        stage = STAGE_EXEC;
        execvp(argv[0], argv);
    }
    int report_words[2] = {stage, errno};
    ssize_t ignored = write(report, report_words, sizeof report_words);
    (void)ignored;
    _exit(127);
}

static int pipe_pair(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

void exec_start(uint32_t id, struct cursor* c) {
    struct exec_request r;
    if (exec_request_parse(id, c, &r) != 0) return;
    uint32_t flags = r.flags, timeout_ms = r.timeout_ms, envc = r.envc;
    char **argv = r.argv, **env = r.env;
    const char* cwd = r.cwd;

    struct stream* s = new_stream(id, S_EXEC);
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1}, report[2] = {-1, -1};
    int ok = s != NULL;
    if (ok && (flags & EXEC_STDIN_PIPE)) ok = pipe_pair(in) == 0;
    if (ok && !(flags & EXEC_STDIN_PIPE)) ok = (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;
    if (ok) ok = pipe_pair(out) == 0 && pipe_pair(err) == 0 && pipe_pair(report) == 0;
    if (ok && (flags & EXEC_STDIN_PIPE)) ok = (s->stdin_buffer = malloc(PROTO_INITIAL_WINDOW)) != NULL;
    pid_t pid = ok ? fork() : -1;
    if (pid == 0) child(report[1], in[0], out[1], err[1], argv, env, envc, cwd);
    int saved = errno;
    close(report[1]);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (pid < 0) {
        close(report[0]);
        if (in[1] >= 0) close(in[1]);
        if (out[0] >= 0) close(out[0]);
        if (err[0] >= 0) close(err[0]);
        if (s) {
            free_stream(s);
            send_error(id, ERR_IO, (uint32_t)saved, "exec %s: %s", argv[0], strerror(saved));
        }
    } else {
        // The child writes here only if it fails before execve; end of file means execve succeeded.
        int words[2];
        ssize_t n;
        do n = read(report[0], words, sizeof words);
        while (n < 0 && errno == EINTR);
        close(report[0]);
        s->pid = pid;
        s->stdin_fd = in[1];
        s->stdout_fd = out[0];
        s->stderr_fd = err[0];
        if (n == (ssize_t)sizeof words) {
            // It has exited (127) or will at once; the reaper collects it.
            free_stream(s);
            if (words[0] == STAGE_CWD) {
                send_error(id, ERR_IO, (uint32_t)words[1], "chdir %s: %s", cwd, strerror(words[1]));
            } else {
                send_error(id, ERR_EXEC, (uint32_t)words[1], "%s: %s", argv[0], strerror(words[1]));
            }
        } else {
            if (s->stdin_fd >= 0) fcntl(s->stdin_fd, F_SETFL, O_NONBLOCK);
            if (timeout_ms) s->deadline_ms = now_ms() + timeout_ms;
            uint8_t started[4];
            put_u32(started, (uint32_t)pid);
            channel_send(T_STARTED, id, started, 4);
        }
    }
    exec_request_free(&r);
}

void exec_stdin(struct stream* s, const uint8_t* data, uint32_t length) {
    if (s->stdin_fd < 0 || s->stdin_eof) {
        // Nobody reads it any more: drop it, but keep the host's credit flowing.
        s->unacked_input -= length;
        if (length) send_window(s->id, length);
        return;
    }
    if (s->stdin_start + s->stdin_length + length > PROTO_INITIAL_WINDOW) {
        memmove(s->stdin_buffer, s->stdin_buffer + s->stdin_start, s->stdin_length);
        s->stdin_start = 0;
    }
    memcpy(s->stdin_buffer + s->stdin_start + s->stdin_length, data, length);
    s->stdin_length += length;
    exec_flush_stdin(s);
}

void exec_stdin_eof(struct stream* s) {
    s->stdin_eof = 1;
    exec_flush_stdin(s);
}

// Writes what the pipe takes now, and gives the host that much credit back.
void exec_flush_stdin(struct stream* s) {
    uint32_t written = 0;
    while (s->stdin_fd >= 0 && s->stdin_length > 0) {
        ssize_t n = write(s->stdin_fd, s->stdin_buffer + s->stdin_start, s->stdin_length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n <= 0) {
            // EPIPE: the command closed its stdin; what is left is dropped.
            n = s->stdin_length;
            close(s->stdin_fd);
            s->stdin_fd = -1;
        }
        s->stdin_start += (uint32_t)n;
        s->stdin_length -= (uint32_t)n;
        written += (uint32_t)n;
    }
    if (s->stdin_length == 0) s->stdin_start = 0;
    if (s->stdin_eof && s->stdin_length == 0 && s->stdin_fd >= 0) {
        close(s->stdin_fd);
        s->stdin_fd = -1;
    }
    if (written) {
        s->unacked_input -= written;
        send_window(s->id, written);
    }
}

void exec_signal(struct stream* s, int signal) { kill(-s->pid, signal); }

// SIGKILL to the process group, and to every process of the session that left the group.
static void kill_tree(pid_t session) {
    kill(-session, SIGKILL);
    DIR* proc = opendir("/proc");
    if (!proc) return;
    struct dirent* entry;
    while ((entry = readdir(proc)) != NULL) {
        char* end;
        long pid = strtol(entry->d_name, &end, 10);
        if (*end || pid <= 1) continue;
        char path[64], stat[512];
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t n = read(fd, stat, sizeof stat - 1);
        close(fd);
        if (n <= 0) continue;
        stat[n] = 0;
        // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp session.
        char* after = strrchr(stat, ')');
        char state;
        long ppid, pgrp, sid;
        if (after && sscanf(after + 1, " %c %ld %ld %ld", &state, &ppid, &pgrp, &sid) == 4 && sid == session) {
            kill((pid_t)pid, SIGKILL);
        }
    }
    closedir(proc);
}

void exec_cancel(struct stream* s) {
    s->cancelled = 1;
    kill_tree(s->pid);
}

void exec_check_deadline(struct stream* s, int64_t now) {
    if (s->deadline_ms && now >= s->deadline_ms && !s->timed_out) {
        s->timed_out = 1;
        exec_cancel(s);
    }
}

void exec_read_output(struct stream* s, int fd) {
    static uint8_t buffer[PROTO_MAX_PAYLOAD];
    uint32_t want = s->send_window < sizeof buffer ? s->send_window : sizeof buffer;
    if (want == 0) return;
    ssize_t n = read(fd, buffer, want);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
        close(fd);
        if (fd == s->stdout_fd) s->stdout_fd = -1;
        if (fd == s->stderr_fd) s->stderr_fd = -1;
        return;
    }
    s->send_window -= (uint32_t)n;
    channel_send(fd == s->stdout_fd ? T_STDOUT : T_STDERR, s->id, buffer, (uint32_t)n);
}

// EXIT once the command is reaped and its output has ended (or at once if it was killed on purpose).
void exec_finish_if_done(struct stream* s) {
    if (!s->reaped) return;
    if (!s->cancelled && (s->stdout_fd >= 0 || s->stderr_fd >= 0)) return;
    uint8_t payload[12];
    if (WIFSIGNALED(s->wait_status)) {
        put_u32(payload, EXIT_HOW_SIGNAL);
        put_u32(payload + 4, (uint32_t)WTERMSIG(s->wait_status));
    } else {
        put_u32(payload, EXIT_HOW_CODE);
        put_u32(payload + 4, (uint32_t)WEXITSTATUS(s->wait_status));
    }
    put_u32(payload + 8, s->timed_out ? EXIT_TIMED_OUT : 0);
    uint32_t id = s->id;
    free_stream(s);
    channel_send(T_EXIT, id, payload, sizeof payload);
}

// Every child that has ended: our commands, and the orphans we inherit as init or subreaper.
void reap_children(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < MAX_STREAMS; i++) {
            if (streams[i].kind == S_EXEC && streams[i].pid == pid && !streams[i].reaped) {
                streams[i].reaped = 1;
                streams[i].wait_status = status;
            }
        }
    }
}

void kill_all_execs(void) {
    for (int i = 0; i < MAX_STREAMS; i++) {
        if (streams[i].kind == S_EXEC) {
            kill_tree(streams[i].pid);
            if (!streams[i].reaped) waitpid(streams[i].pid, NULL, 0);
        }
        if (streams[i].kind == S_PUT && streams[i].path) unlink(streams[i].path);
        if (streams[i].kind != S_FREE) free_stream(&streams[i]);
    }
    reap_children();
}
