// Request payloads that need more than a field or two: parsed and checked in full before anything runs, so the
// fuzzer (fuzz/) can drive them without running anything.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

#define MAX_ARGS 4096

void exec_request_free(struct exec_request* r) {
    free(r->text);
    free(r->argv);
    free(r->env);
    memset(r, 0, sizeof *r);
}

static void malformed(struct exec_request* r, const char* what, uint32_t value) {
    exec_request_free(r);
    protocol_error("an EXEC with %s (%u)", what, value);
}

int exec_request_parse(uint32_t id, struct cursor* c, struct exec_request* r) {
    memset(r, 0, sizeof *r);
    if (cursor_u32(c, &r->flags) || cursor_u32(c, &r->timeout_ms) || cursor_u32(c, &r->argc) ||
        cursor_u32(c, &r->envc)) {
        protocol_error("an EXEC payload of %u bytes is too short", c->left);
    }
    // Every string costs at least its 4-byte length, so the counts are bounded by the payload before anything is
    // allocated from them.
    uint32_t argc = r->argc, envc = r->envc;
    if (argc == 0 || argc > MAX_ARGS || envc > MAX_ARGS || (uint64_t)(argc + envc + 1) * 4 > c->left) {
        protocol_error("an EXEC with %u arguments and %u variables in %u bytes", argc, envc, c->left);
    }
    r->text = malloc(c->left + argc + envc + 1);
    r->argv = calloc(argc + 1, sizeof *r->argv);
    r->env = calloc(envc + 1, sizeof *r->env);
    if (!r->text || !r->argv || !r->env) {
        exec_request_free(r);
        send_error(id, ERR_LIMIT, ENOMEM, "exec: out of memory");
        return -1;
    }
    char* at = r->text;
    r->cwd = "";
    for (uint32_t i = 0; i < argc + envc + 1; i++) {
        if (cursor_string(c, at)) malformed(r, "a malformed string", i);
        if (i < argc)
            r->argv[i] = at;
        else if (i < argc + envc)
            r->env[i - argc] = at;
        else
            r->cwd = at;
        at += strlen(at) + 1;
    }
    for (uint32_t i = 0; i < envc; i++) {
        if (!strchr(r->env[i], '=') || r->env[i][0] == '=') malformed(r, "a variable without a name, number", i);
    }
    if (c->left != 0) malformed(r, "bytes left over", c->left);
    return 0;
}

void reseed_request_parse(struct cursor* c, const uint8_t** seed, uint32_t* length) {
    if (c->left < PROTO_MIN_SEED || c->left > PROTO_MAX_SEED) {
        protocol_error("a RESEED of %u bytes (a seed has %u to %u)", c->left, PROTO_MIN_SEED, PROTO_MAX_SEED);
    }
    *seed = c->data;
    *length = c->left;
    c->data += c->left;
    c->left = 0;
}
