package io.vmm4j.devices.kinds;

import io.vmm4j.api.IoDevice;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.devices.legacy.CmosRtc;
import io.vmm4j.devices.legacy.I8042Controller;
import io.vmm4j.devices.qemu.IsaDebugExit;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * vmm4j's own Java I/O devices that a snapshot can name by kind, so that a restore builds them again
 * without the caller's help (the virtio kinds are in {@code io.vmm4j.devices.virtio.kinds}): one line
 * each. A device is of a kind only when it is exactly that class; anything else is the caller's.
 */
public final class IoDeviceKinds {
    /** A kind: its name in snapshots, its class, and how a restored VM gets a new one. */
    public record Kind(String name, Class<? extends IoDevice> type, Function<VirtualMachine, IoDevice> build) {}

    private static final List<Kind> ALL = List.of(
            new Kind("i8042", I8042Controller.class, I8042Controller::resetting),
            new Kind("cmos-rtc", CmosRtc.class, vm -> new CmosRtc()),
            new Kind("isa-debug-exit", IsaDebugExit.class, IsaDebugExit::stopping));

    private IoDeviceKinds() {}

    /** The kind of {@code device}, when it is one of vmm4j's own. */
    public static Optional<Kind> of(IoDevice device) {
        return ALL.stream().filter(kind -> kind.type() == device.getClass()).findFirst();
    }

    public static Optional<Kind> byName(String name) {
        return ALL.stream().filter(kind -> kind.name().equals(name)).findFirst();
    }
}
