package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.GuestMemoryAccessException;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

@RequiresKvm
class GuestMemoryTest {
    private static final long SIZE = 2L << 20;

    @Test
    void valuesAreLittleEndianAndBulkMatchesPrimitives(Hypervisor kvm) {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memorySize(SIZE).build())) {
            GuestMemory memory = vm.memory();
            assertEquals(SIZE, memory.size());
            memory.writeLong(0x1000, 0x1122334455667788L);
            assertArrayEquals(
                    new byte[] {(byte) 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}, memory.read(0x1000, 8));
            assertEquals(0x55667788, memory.readInt(0x1000));
            assertEquals((short) 0x7788, memory.readShort(0x1000));
            assertEquals((byte) 0x88, memory.readByte(0x1000));
            memory.writeByte(SIZE - 1, (byte) 0x5a);
            assertEquals((byte) 0x5a, memory.readByte(SIZE - 1));
            byte[] buffer = {9, 9, 1, 2, 3, 9};
            memory.write(0x2000, buffer, 2, 3);
            assertArrayEquals(new byte[] {1, 2, 3}, memory.read(0x2000, 3));
        }
    }

    @Test
    void eightByteReadsAreExactForEveryValue(Hypervisor kvm) {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memorySize(SIZE).build())) {
            GuestMemory memory = vm.memory();
            // -1 was the failure value of the native read; it and the extremes must read back exactly.
            for (long value : new long[] {-1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x8000_0000_0000_0001L, 0}) {
                memory.writeLong(SIZE - 8, value);
                assertEquals(value, memory.readLong(SIZE - 8), Long.toHexString(value));
            }
            memory.writeInt(0x3000, -1);
            assertEquals(-1, memory.readInt(0x3000));
            assertThrows(GuestMemoryAccessException.class, () -> memory.readLong(SIZE - 7));
        }
    }

    @Test
    void accessesOutsideGuestMemoryAreRefusedWithTheirRange(Hypervisor kvm) {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memorySize(SIZE).build())) {
            GuestMemory memory = vm.memory();
            memory.writeInt(SIZE - 4, 0x01020304);
            var error = assertThrows(GuestMemoryAccessException.class, () -> memory.readInt(SIZE - 2));
            assertTrue(error.getMessage().contains("0x1ffffe"), error.getMessage());
            assertThrows(GuestMemoryAccessException.class, () -> memory.writeLong(SIZE - 4, 0));
            assertThrows(GuestMemoryAccessException.class, () -> memory.read(SIZE, 1));
            assertThrows(GuestMemoryAccessException.class, () -> memory.readByte(-1));
            assertThrows(GuestMemoryAccessException.class, () -> memory.write(Long.MAX_VALUE, new byte[16]));
            assertThrows(GuestMemoryAccessException.class, () -> memory.read(SIZE - 1, new byte[2], 0, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.read(0, new byte[2], 1, 2));
            assertEquals(0x01020304, memory.readInt(SIZE - 4), "a refused write must not touch memory");
        }
    }

    @Test
    void dirtyTrackingReportsThePagesTheGuestWrites(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.COUNTER)) {
            GuestMemory memory = run.vm.memory();
            assertThrows(IllegalStateException.class, memory::getAndClearDirtyPages);
            memory.enableDirtyTracking();
            run.vm.start();
            run.awaitMailbox(8, 0xC0C0C0C0);
            run.vm.pause();
            memory.getAndClearDirtyPages();
            long counter = memory.readLong(BundledGuest.MAILBOX);
            run.vm.resume();
            run.awaitCounterAbove(counter);
            run.vm.pause();
            BitSet dirty = memory.getAndClearDirtyPages();
            assertTrue(dirty.get((int) (BundledGuest.MAILBOX / GuestMemory.PAGE_SIZE)), "counter page: " + dirty);
            assertTrue(dirty.cardinality() < 8, "only the counter and stack pages change: " + dirty);
            assertTrue(memory.getAndClearDirtyPages().isEmpty(), "paused guest writes nothing");
            memory.disableDirtyTracking();
            run.vm.stop();
        }
    }

    @Test
    void hostWritesAreReportedDirtyToo(Hypervisor kvm) {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memorySize(SIZE).build())) {
            GuestMemory memory = vm.memory();
            memory.writeLong(0x5000, 1); // before tracking: not reported
            memory.enableDirtyTracking();
            assertTrue(memory.getAndClearDirtyPages().isEmpty(), "a fresh log");
            memory.writeInt(0x3ffe, 0x01020304); // straddles pages 3 and 4
            memory.write(0x9000, new byte[0x2000]); // pages 9 and 10
            BitSet dirty = memory.getAndClearDirtyPages();
            BitSet expected = new BitSet();
            expected.set(3, 5);
            expected.set(9, 11);
            assertEquals(expected, dirty);
            assertTrue(memory.getAndClearDirtyPages().isEmpty(), "reading the log clears it");
            memory.disableDirtyTracking();
        }
    }
}
