package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

@RequiresKvm
class DeviceSnapshotTest {
    /** A register that remembers the last value written. */
    static final class Latch implements IoDevice, StatefulDevice {
        long value;

        @Override
        public long read(long offset, int size) {
            return value;
        }

        @Override
        public void write(long offset, int size, long newValue) {
            value = newValue;
        }

        @Override
        public int stateVersion() {
            return 1;
        }

        @Override
        public byte[] saveState() {
            return ByteBuffer.allocate(8).putLong(value).array();
        }

        @Override
        public void restoreState(int version, byte[] state) {
            if (version != 1 || state.length != 8) throw new IllegalArgumentException("bad latch state");
            value = ByteBuffer.wrap(state).getLong();
        }
    }

    @Test
    void statefulDevicesMoveToANewVm(Hypervisor kvm) {
        try (GuestRun source = GuestRun.protectedMode(kvm, BundledGuest.MMIO_LOOP);
                GuestRun target = GuestRun.protectedMode(kvm, BundledGuest.MMIO_LOOP)) {
            Latch latch = new Latch();
            source.vm.addIoDevice("latch", AddressSpace.MMIO, 0xD000_0000L, 8, latch);
            source.vcpu.setRegisters(source.vcpu
                    .registers()
                    .with(io.vmm4j.api.x86.Register.RCX, 1)
                    .with(io.vmm4j.api.x86.Register.RDX, 0xD000_0000L)
                    .with(io.vmm4j.api.x86.Register.RAX, 0x7777));
            source.vcpu.run();
            assertEquals(0x7777, latch.value);
            source.vm.stop();

            List<DeviceSnapshot> snapshots = source.vm.snapshotDevices();
            assertEquals(1, snapshots.size());
            assertEquals("latch", snapshots.get(0).deviceName());

            Latch restored = new Latch();
            target.vm.addIoDevice("latch", AddressSpace.MMIO, 0xD000_0000L, 8, restored);
            target.vm.restoreDevices(snapshots);
            assertEquals(0x7777, restored.value);
            assertArrayEquals(latch.saveState(), restored.saveState());

            assertThrows(
                    IllegalArgumentException.class,
                    () -> target.vm.restoreDevices(List.of(new DeviceSnapshot("missing", 1, new byte[8]))));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> target.vm.restoreDevices(List.of(new DeviceSnapshot("latch", 1, new byte[3]))));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> target.vm.restoreDevices(List.of(new DeviceSnapshot("com1", 1, new byte[8]))),
                    "the native UART is not a Java stateful device");
        }
    }
}
