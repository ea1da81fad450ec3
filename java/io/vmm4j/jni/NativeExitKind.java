package io.vmm4j.jni;

/** The exit kinds {@code vmm4j_vcpu_run} returns; mirrors vmm4j::ExitKind in cpp/run/exit_info.h. */
public final class NativeExitKind {
    public static final int INTERRUPTED = 0;
    public static final int HALT = 1;
    public static final int IO_IN = 2;
    public static final int IO_OUT = 3;
    public static final int MMIO_READ = 4;
    public static final int MMIO_WRITE = 5;
    public static final int SHUTDOWN = 6;
    public static final int SYSTEM_RESET = 7;
    public static final int INTERNAL_ERROR = 8;
    public static final int FAIL_ENTRY = 9;
    public static final int DEVICE_ERROR = 10;
    public static final int STOPPED = 11;
    public static final int SYSTEM_EVENT_OTHER = 12;
    public static final int UNKNOWN = 13;

    /** Slots of the exit info block; mirrors vmm4j::ExitInfo. */
    public static final int SLOT_ADDRESS = 1;

    public static final int SLOT_SIZE = 2;
    public static final int SLOT_DATA = 3;
    public static final int SLOT_COUNT = 4;
    public static final int SLOT_REASON = 5;
    public static final int SLOT_CPU = 6;
    public static final int SLOT_DEVICE_KEY = 7;
    public static final int SLOT_UPCALL_VALUE = 8;
    public static final int SLOT_DATA_COUNT = 9;
    public static final int SLOT_EXTRA_DATA = 10;

    private NativeExitKind() {}
}
