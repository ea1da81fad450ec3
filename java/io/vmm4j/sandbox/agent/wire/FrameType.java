package io.vmm4j.sandbox.agent.wire;

/** The message types of docs/AGENT-PROTOCOL.md, by their code on the wire. */
public enum FrameType {
    HELLO(0x01),
    PING(0x02),
    PONG(0x03),
    ERROR(0x04),
    WINDOW(0x05),
    EXEC(0x10),
    STARTED(0x11),
    STDIN(0x12),
    STDIN_EOF(0x13),
    STDOUT(0x14),
    STDERR(0x15),
    SIGNAL(0x16),
    EXIT(0x17),
    PUT(0x20),
    DATA(0x21),
    END(0x22),
    GET(0x23),
    INFO(0x24),
    MKDIR(0x25),
    LIST(0x26),
    STAT(0x27),
    CANCEL(0x28),
    SET_TIME(0x30),
    OK(0x31),
    RESEED(0x32);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType type : values()) BY_CODE[type.code] = type;
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type with this code, or null if the code is not one of version 1. */
    public static FrameType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Data messages count against the stream's window. */
    public boolean isData() {
        return this == STDIN || this == STDOUT || this == STDERR || this == DATA;
    }
}
