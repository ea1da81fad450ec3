package io.vmm4j.jni;

import java.util.Locale;

/**
 * Why {@code vmm4j_vcpu_run} returned (vmm4j::ExitKind), and the slots of the exit info block
 * (vmm4j::ExitInfo); the numbers come from the native contract table.
 */
public enum NativeExitKind {
    INTERRUPTED,
    HALT,
    IO_IN,
    IO_OUT,
    MMIO_READ,
    MMIO_WRITE,
    SHUTDOWN,
    SYSTEM_RESET,
    INTERNAL_ERROR,
    FAIL_ENTRY,
    DEVICE_ERROR,
    STOPPED,
    SYSTEM_EVENT_OTHER,
    UNKNOWN;

    public static final int SLOT_KIND = NativeContract.intValue("exit_info.kind");
    public static final int SLOT_ADDRESS = NativeContract.intValue("exit_info.address");
    public static final int SLOT_SIZE = NativeContract.intValue("exit_info.size");
    public static final int SLOT_DATA = NativeContract.intValue("exit_info.data");
    public static final int SLOT_COUNT = NativeContract.intValue("exit_info.count");
    public static final int SLOT_REASON = NativeContract.intValue("exit_info.reason");
    public static final int SLOT_CPU = NativeContract.intValue("exit_info.cpu");
    public static final int SLOT_DEVICE_KEY = NativeContract.intValue("exit_info.device_key");
    public static final int SLOT_UPCALL_VALUE = NativeContract.intValue("exit_info.upcall_value");
    public static final int SLOT_DATA_COUNT = NativeContract.intValue("exit_info.data_count");
    public static final int SLOT_EXTRA_DATA = NativeContract.intValue("exit_info.extra_data");
    /** How many internal-error data words the block can hold, from SLOT_EXTRA_DATA on. */
    public static final int EXTRA_DATA_SLOTS = NativeContract.intValue("exit_info.extra_data_slots");

    private static final NativeExitKind[] BY_CODE = byCode();

    /** The contract name of this kind, as in {@code cpp/jni/contract.cpp}. */
    public String contractName() {
        return "exit_kind." + name().toLowerCase(Locale.ROOT);
    }

    public int code() {
        return NativeContract.intValue(contractName());
    }

    /** The kind a native run returned; fails on a number the contract does not define. */
    public static NativeExitKind of(long code) {
        if (code < 0 || code >= BY_CODE.length || BY_CODE[(int) code] == null) {
            throw new IllegalStateException("the native core returned exit kind " + code + ", which is not defined");
        }
        return BY_CODE[(int) code];
    }

    private static NativeExitKind[] byCode() {
        int size = 0;
        for (NativeExitKind kind : values()) size = Math.max(size, kind.code() + 1);
        NativeExitKind[] byCode = new NativeExitKind[size];
        for (NativeExitKind kind : values()) byCode[kind.code()] = kind;
        return byCode;
    }
}
