// The wire format of docs/AGENT-PROTOCOL.md (version 1); io.vmm4j.sandbox.agent.wire.Protocol holds the same values.
#ifndef VMM4J_AGENT_PROTOCOL_H
#define VMM4J_AGENT_PROTOCOL_H

#include <stdint.h>

#define PROTO_MAGIC          0x764A
#define PROTO_VERSION        1
#define PROTO_HEADER_SIZE    12
#define PROTO_MAX_PAYLOAD    65536
#define PROTO_INITIAL_WINDOW 262144
#define PROTO_MAX_PING       256
#define PROTO_MIN_SEED       32  // RESEED: at least the 256 bits of the kernel crng's key
#define PROTO_MAX_SEED       256

enum frame_type {
    T_HELLO = 0x01,
    T_PING = 0x02,
    T_PONG = 0x03,
    T_ERROR = 0x04,
    T_WINDOW = 0x05,
    T_EXEC = 0x10,
    T_STARTED = 0x11,
    T_STDIN = 0x12,
    T_STDIN_EOF = 0x13,
    T_STDOUT = 0x14,
    T_STDERR = 0x15,
    T_SIGNAL = 0x16,
    T_EXIT = 0x17,
    T_PUT = 0x20,
    T_DATA = 0x21,
    T_END = 0x22,
    T_GET = 0x23,
    T_INFO = 0x24,
    T_MKDIR = 0x25,
    T_LIST = 0x26,
    T_STAT = 0x27,
    T_CANCEL = 0x28,
    T_SET_TIME = 0x30,
    T_OK = 0x31,
    T_RESEED = 0x32,
};

#define EXEC_STDIN_PIPE 1u

#define EXIT_HOW_CODE   0u
#define EXIT_HOW_SIGNAL 1u
#define EXIT_TIMED_OUT  1u

enum error_kind { ERR_PROTOCOL = 1, ERR_EXEC = 2, ERR_IO = 3, ERR_LIMIT = 4 };

enum file_type { FT_OTHER = 0, FT_FILE = 1, FT_DIRECTORY = 2, FT_SYMLINK = 3 };

static inline void put_u16(uint8_t* p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put_u32(uint8_t* p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline void put_u64(uint8_t* p, uint64_t v) {
    put_u32(p, (uint32_t)(v >> 32));
    put_u32(p + 4, (uint32_t)v);
}

static inline uint16_t get_u16(const uint8_t* p) { return (uint16_t)((p[0] << 8) | p[1]); }

static inline uint32_t get_u32(const uint8_t* p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t get_u64(const uint8_t* p) { return ((uint64_t)get_u32(p) << 32) | get_u32(p + 4); }

#endif
