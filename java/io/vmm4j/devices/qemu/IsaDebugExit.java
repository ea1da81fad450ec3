package io.vmm4j.devices.qemu;

import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtualMachine;
import java.util.function.LongConsumer;

/**
 * QEMU's isa-debug-exit: a write of {@code value} ends the VM, and QEMU exits with status
 * {@code (value << 1) | 1}, so a guest can never fake a clean exit (0). Reads return 0.
 */
public final class IsaDebugExit implements IoDevice {
    public static final int DEFAULT_IOBASE = 0xf4;
    public static final int DEFAULT_IOSIZE = 4;

    private final LongConsumer onExit;

    /** @param onExit receives the value written, such as {@code v -> vm.requestStop(StopReason.guestExit(v))} */
    public IsaDebugExit(LongConsumer onExit) {
        this.onExit = onExit;
    }

    /** A port whose write stops {@code vm} with the guest's exit status, as QEMU exits. */
    public static IsaDebugExit stopping(VirtualMachine vm) {
        return new IsaDebugExit(value -> vm.requestStop(StopReason.guestExit(value)));
    }

    /** QEMU's exit status for a guest that wrote {@code value}; the shell sees its low 8 bits. */
    public static int exitStatus(long value) {
        return (int) ((value << 1) | 1);
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        onExit.accept(size >= 8 ? value : value & ((1L << (8 * size)) - 1));
    }
}
