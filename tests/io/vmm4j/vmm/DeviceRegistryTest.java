package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.IoDevice;
import io.vmm4j.devices.legacy.CmosRtc;
import io.vmm4j.vmm.DeviceRegistry.JavaDevice;
import io.vmm4j.vmm.DeviceRegistry.NullDevice;
import io.vmm4j.vmm.DeviceRegistry.SerialDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceRegistryTest {
    private static final IoDevice ZERO = new IoDevice() {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {}
    };

    @Test
    void keysFollowRegistrationOfDevicesWithEndpointsOnly() {
        DeviceRegistry registry = new DeviceRegistry();
        assertEquals(0, registry.nextKey());
        registry.add(new JavaDevice("a", ZERO), new IoDeviceEndpoint("a", ZERO));
        registry.add(new NullDevice("post-code")); // served natively: no key
        assertEquals(1, registry.nextKey());
        registry.add(new SerialDevice("com1", 0x3f8, 4), new IoDeviceEndpoint("com1", ZERO));
        assertEquals(0, registry.keyOf("a"));
        assertEquals(1, registry.keyOf("com1"));
        assertEquals(-1, registry.keyOf("post-code"));
        assertEquals("com1", registry.endpoint(1).name());
    }

    @Test
    void aNameIsTakenOnce() {
        DeviceRegistry registry = new DeviceRegistry();
        registry.add(new NullDevice("x"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> registry.add(new JavaDevice("x", ZERO)));
        assertEquals("a device named 'x' already exists", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> registry.requireFreeName("x"));
        // The refused device took no key.
        assertEquals(0, registry.nextKey());
    }

    @Test
    void statefulDevicesAreListedByNameInRegistrationOrder() {
        DeviceRegistry registry = new DeviceRegistry();
        CmosRtc rtc = new CmosRtc();
        registry.add(new JavaDevice("zero", ZERO), new IoDeviceEndpoint("zero", ZERO));
        registry.add(new JavaDevice("rtc", rtc), new IoDeviceEndpoint("rtc", rtc));
        registry.add(new NullDevice("post-code"));
        assertEquals(List.of("rtc"), List.copyOf(registry.stateful().keySet()));
        assertSame(rtc, registry.stateful().get("rtc"));
        assertTrue(registry.byName("post-code").isPresent());
        assertFalse(registry.byName("nothing").isPresent());
        assertTrue(registry.virtioSlots().isEmpty());
    }
}
