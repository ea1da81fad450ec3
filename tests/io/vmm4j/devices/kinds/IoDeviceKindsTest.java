package io.vmm4j.devices.kinds;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.IoDevice;
import io.vmm4j.devices.legacy.CmosRtc;
import io.vmm4j.devices.legacy.I8042Controller;
import io.vmm4j.devices.qemu.IsaDebugExit;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IoDeviceKindsTest {
    @Test
    void vmm4jsOwnDevicesAreKnownByKindAndNameEachKindOnce() {
        assertEquals(
                "i8042",
                IoDeviceKinds.of(new I8042Controller(() -> {})).orElseThrow().name());
        assertEquals(
                "cmos-rtc",
                IoDeviceKinds.of(new CmosRtc(Clock.systemUTC())).orElseThrow().name());
        assertEquals(
                "isa-debug-exit",
                IoDeviceKinds.of(new IsaDebugExit(value -> {})).orElseThrow().name());
        Set<String> names = new HashSet<>();
        for (String name : new String[] {"i8042", "cmos-rtc", "isa-debug-exit"}) {
            IoDeviceKinds.Kind kind = IoDeviceKinds.byName(name).orElseThrow();
            assertEquals(name, kind.name());
            assertTrue(names.add(kind.type().getName()), "one kind per class");
        }
    }

    /** Anything else, even a device that only looks like one of vmm4j's, is the caller's to supply on restore. */
    @Test
    void theCallersDevicesHaveNoKind() {
        IoDevice own = new IoDevice() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {}
        };
        assertEquals(Optional.empty(), IoDeviceKinds.of(own));
        assertEquals(Optional.empty(), IoDeviceKinds.byName("gpu"));
    }
}
