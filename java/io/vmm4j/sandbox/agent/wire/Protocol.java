package io.vmm4j.sandbox.agent.wire;

/** The constants of docs/AGENT-PROTOCOL.md; guests/agent/protocol.h holds the same values. */
public final class Protocol {
    public static final int MAGIC = 0x764A;
    public static final int VERSION = 1;
    public static final int HEADER_SIZE = 12;
    public static final int MAX_PAYLOAD = 65_536;
    public static final int INITIAL_WINDOW = 262_144;
    /** Longest PING payload the agent echoes. */
    public static final int MAX_PING = 256;
    /** RESEED: the seed's bounds; the shortest is the 256 bits of the guest kernel crng's key. */
    public static final int MIN_SEED = 32;

    public static final int MAX_SEED = 256;

    /** EXEC flags. */
    public static final int EXEC_STDIN_PIPE = 1;

    /** EXIT: how the process ended, and its flags. */
    public static final int EXIT_CODE = 0;

    public static final int EXIT_SIGNAL = 1;
    public static final int EXIT_TIMED_OUT = 1;

    /** ERROR kinds. */
    public static final int ERROR_PROTOCOL = 1;

    public static final int ERROR_EXEC = 2;
    public static final int ERROR_IO = 3;
    public static final int ERROR_LIMIT = 4;

    /** File types in INFO and LIST. */
    public static final int TYPE_OTHER = 0;

    public static final int TYPE_FILE = 1;
    public static final int TYPE_DIRECTORY = 2;
    public static final int TYPE_SYMLINK = 3;

    private Protocol() {}
}
