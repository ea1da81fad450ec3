package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.AddressConflictException;
import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.api.VmmException;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Java devices on the MMIO bus, reached by upcall from the native run loop. */
@RequiresKvm
class DeviceBusTest {
    private static final long ECHO_BASE = 0xD000_0000L;

    /** The device mmio-echo expects: offset 0 echoes the inverse of what was written, offset 8 reads 0x5A. */
    static final class EchoDevice implements IoDevice {
        final List<String> accesses = new ArrayList<>();
        private long stored;

        @Override
        public long read(long offset, int size) {
            accesses.add("read +" + offset + " size " + size);
            return offset == 8 ? 0x5A : ~stored & 0xffffffffL;
        }

        @Override
        public void write(long offset, int size, long value) {
            accesses.add("write +" + offset + " size " + size + " 0x" + Long.toHexString(value));
            if (offset == 0) stored = value;
        }
    }

    @Test
    void guestReadsAndWritesAJavaDevice(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.MMIO_ECHO)) {
            EchoDevice echo = new EchoDevice();
            run.vm.addIoDevice("echo", AddressSpace.MMIO, ECHO_BASE, 0x1000, echo);
            assertEquals(StopReason.Kind.HALTED, run.runToStop().kind());
            assertEquals("mmio-echo: 0xedcba987 0x5a\n", run.console());
            assertEquals(
                    List.of(
                            "write +0 size 4 0x12345678",
                            "read +0 size 4",
                            "read +8 size 1",
                            "write +4 size 4 0xcafef00d"),
                    echo.accesses);
        }
    }

    @Test
    void aThrowingDeviceStopsOnlyItsOwnVm(Hypervisor kvm) throws Exception {
        try (GuestRun failing = GuestRun.protectedMode(kvm, BundledGuest.MMIO_ECHO);
                GuestRun healthy = GuestRun.protectedMode(kvm, BundledGuest.COUNTER)) {
            IllegalStateException boom = new IllegalStateException("device exploded");
            failing.vm.addIoDevice("broken", AddressSpace.MMIO, ECHO_BASE, 0x1000, new IoDevice() {
                @Override
                public long read(long offset, int size) {
                    throw boom;
                }

                @Override
                public void write(long offset, int size, long value) {
                    throw boom;
                }
            });
            healthy.vm.start();
            healthy.awaitMailbox(8, 0xC0C0C0C0);

            StopReason reason = failing.runToStop();
            assertEquals(StopReason.Kind.DEVICE_FAILURE, reason.kind());
            Throwable cause = reason.cause().orElseThrow();
            assertInstanceOf(VmmException.class, cause);
            assertTrue(cause.getMessage().contains("'broken'"), cause.getMessage());
            assertEquals(boom, cause.getCause());

            healthy.awaitCounterAbove(healthy.vm.memory().readLong(BundledGuest.MAILBOX));
            assertTrue(healthy.vm.stopReason().isEmpty(), "the other VM stopped too");
        }
    }

    @Test
    void overlappingRangesAreRefused(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN)) {
            run.vm.addIoDevice("first", AddressSpace.MMIO, ECHO_BASE, 0x1000, new EchoDevice());
            AddressConflictException conflict = assertThrows(
                    AddressConflictException.class,
                    () -> run.vm.addIoDevice("second", AddressSpace.MMIO, ECHO_BASE + 0xfff, 0x10, new EchoDevice()));
            assertTrue(conflict.getMessage().contains("0xd0000fff"), conflict.getMessage());
            // The serial port already claims 0x3f8-0x3ff.
            assertThrows(
                    AddressConflictException.class,
                    () -> run.vm.addIoDevice("third", AddressSpace.PIO, 0x3fc, 2, new EchoDevice()));
            // The same range in the other address space is fine.
            run.vm.addIoDevice("pio-echo", AddressSpace.PIO, ECHO_BASE & 0xffff, 0x10, new EchoDevice());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> run.vm.addIoDevice("empty", AddressSpace.MMIO, 0xE000_0000L, 0, new EchoDevice()));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> run.vm.addIoDevice("pio-echo", AddressSpace.MMIO, 0xE000_0000L, 8, new EchoDevice()),
                    "duplicate name");
        }
    }

    @Test
    void virtioDevicesGetDistinctWindowsAndIrqs(Hypervisor kvm, @TempDir Path dir) throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN)) {
            VirtioMmioSlot blk = run.vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", disk, true));
            VirtioMmioSlot rng = run.vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
            assertEquals(MemoryLayout.VIRTIO_MMIO_BASE, blk.base());
            assertEquals(MemoryLayout.VIRTIO_MMIO_BASE + MemoryLayout.VIRTIO_MMIO_SIZE, rng.base());
            assertEquals(blk.irq() + 1, rng.irq());
            assertEquals(List.of(blk, rng), run.vm.virtioDevices());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> run.vm.addVirtioDevice(new VirtioDeviceConfig.Console("rng")),
                    "duplicate name");
            run.vm.start();
            assertThrows(
                    IllegalStateException.class, () -> run.vm.addVirtioDevice(new VirtioDeviceConfig.Console("late")));
        }
    }
}
