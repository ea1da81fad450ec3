package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.VmmException;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.testing.RequiresKvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-blk served by the native queue processor, driven from the test through guest memory. */
@RequiresKvm
class VirtioBlockTest {
    private static Hypervisor kvm;

    @TempDir
    Path dir;

    @BeforeAll
    static void shareHypervisor(Hypervisor shared) {
        kvm = shared; // opened once for the run and closed by the KVM extension
    }

    private Path disk(int sectors) throws Exception {
        byte[] content = new byte[sectors * 512];
        new Random(7).nextBytes(content);
        return Files.write(dir.resolve("disk.img"), content);
    }

    @Test
    void configSpaceHasCapacityAndSegMaxAndTheOfferedFeatures() throws Exception {
        Path disk = Files.write(dir.resolve("odd.img"), new byte[100 * 512 + 100]);
        try (BlockFixture f = new BlockFixture(kvm, disk, false)) {
            VirtioMmioTransport t = f.driver.transport;
            assertEquals(BlockModel.DEVICE_ID, f.driver.reg(VirtioMmioTransport.DEVICE_ID));
            assertEquals(100, t.read(0x100, 4) | t.read(0x104, 4) << 32, "capacity in whole sectors");
            assertEquals(254, t.read(0x10c, 4), "seg_max");
            assertEquals(0, t.offeredFeatures() & BlockModel.F_RO);
            assertTrue((t.offeredFeatures() & BlockModel.F_FLUSH) != 0);
        }
    }

    @Test
    void doorbellSuppressionIsLiftedOnceTheQueueIsIdle() throws Exception {
        // Without EVENT_IDX the device sets VIRTQ_USED_F_NO_NOTIFY only while it is popping.
        try (BlockFixture f = new BlockFixture(kvm, disk(64), false)) {
            for (int i = 0; i < 3; i++)
                assertEquals(BlockModel.S_OK, f.run(BlockModel.T_IN, i, BlockFixture.DATA, 512, true));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (f.driver.memory.readShort(f.driver.used(0)) != 0 && System.nanoTime() < deadline) Thread.sleep(1);
            assertEquals(0, f.driver.memory.readShort(f.driver.used(0)), "used.flags once idle");
            assertFalse(f.driver.needsReset());
        }
    }

    @Test
    void writeFlushReadAndGetId() throws Exception {
        Path disk = disk(64);
        byte[] pattern = new byte[1024];
        for (int i = 0; i < pattern.length; i++) pattern[i] = (byte) (i * 7 + 3);
        try (BlockFixture f = new BlockFixture(kvm, disk, false)) {
            f.driver.memory.write(BlockFixture.DATA, pattern);
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_OUT, 10, BlockFixture.DATA, 1024, false));
            assertEquals(1, f.driver.usedElement(0, 0)[1], "a write reports only the status byte");
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_FLUSH, 0, BlockFixture.DATA, 0, false));
            assertArrayEquals(pattern, Arrays.copyOfRange(Files.readAllBytes(disk), 10 * 512, 12 * 512));

            f.driver.memory.write(BlockFixture.DATA + 0x10000, new byte[1024]);
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_IN, 10, BlockFixture.DATA + 0x10000, 1024, true));
            assertArrayEquals(pattern, f.driver.memory.read(BlockFixture.DATA + 0x10000, 1024));
            assertEquals(1025, f.driver.usedElement(0, 2)[1]);

            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_GET_ID, 0, BlockFixture.DATA, 20, true));
            assertEquals(
                    "vmm4j-test-disk",
                    new String(f.driver.memory.read(BlockFixture.DATA, 15), StandardCharsets.US_ASCII));
            assertEquals(0, f.driver.memory.readByte(BlockFixture.DATA + 15), "NUL-padded");

            assertEquals(BlockModel.S_UNSUPP, f.run(99, 0, BlockFixture.DATA, 512, true));
            assertFalse(f.driver.needsReset());
        }
    }

    @Test
    void pagesTheDeviceWritesAreReportedDirty() throws Exception {
        Path disk = disk(64);
        try (BlockFixture f = new BlockFixture(kvm, disk, false)) {
            GuestMemory memory = f.driver.memory;
            memory.enableDirtyTracking();
            long buffer = BlockFixture.DATA + 0x20000; // written by nobody but the device
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_IN, 4, buffer, 1024, true));
            BitSet dirty = memory.getAndClearDirtyPages();
            int page = (int) (buffer / GuestMemory.PAGE_SIZE);
            assertTrue(dirty.get(page), "the read's buffer page: " + dirty);
            assertFalse(dirty.get(page + 1), "only what the request covered: " + dirty);
            assertTrue(dirty.get((int) (f.driver.used(0) / GuestMemory.PAGE_SIZE)), "the used ring: " + dirty);
            assertTrue(dirty.get((int) (BlockFixture.STATUS / GuestMemory.PAGE_SIZE)), "the status byte: " + dirty);
            memory.disableDirtyTracking();
        }
    }

    @Test
    void requestsBeyondCapacityFailAndNeverGrowTheFile() throws Exception {
        Path disk = disk(16);
        byte[] before = Files.readAllBytes(disk);
        try (BlockFixture f = new BlockFixture(kvm, disk, false)) {
            assertEquals(BlockModel.S_IOERR, f.run(BlockModel.T_OUT, 16, BlockFixture.DATA, 512, false));
            assertEquals(BlockModel.S_IOERR, f.run(BlockModel.T_OUT, 15, BlockFixture.DATA, 1024, false));
            assertEquals(BlockModel.S_IOERR, f.run(BlockModel.T_OUT, -1L, BlockFixture.DATA, 512, false));
            assertEquals(BlockModel.S_IOERR, f.run(BlockModel.T_IN, 1L << 60, BlockFixture.DATA, 512, true));
            assertEquals(
                    BlockModel.S_IOERR,
                    f.run(BlockModel.T_OUT, 0, BlockFixture.DATA, 100, false),
                    "not a whole sector");
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_OUT, 15, BlockFixture.DATA, 512, false), "last sector");
        }
        byte[] after = Files.readAllBytes(disk);
        assertEquals(before.length, after.length);
        assertArrayEquals(Arrays.copyOf(before, 15 * 512), Arrays.copyOf(after, 15 * 512));
    }

    @Test
    void readOnlyDiskOffersRoAndRefusesWrites() throws Exception {
        Path disk = disk(16);
        byte[] before = Files.readAllBytes(disk);
        try (BlockFixture f = new BlockFixture(kvm, disk, true, BlockFixture.FEATURES | BlockModel.F_RO, 64)) {
            assertTrue((f.driver.transport.offeredFeatures() & BlockModel.F_RO) != 0);
            f.driver.memory.write(BlockFixture.DATA, new byte[512]);
            assertEquals(BlockModel.S_IOERR, f.run(BlockModel.T_OUT, 1, BlockFixture.DATA, 512, false));
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_IN, 1, BlockFixture.DATA, 512, true));
            assertArrayEquals(Arrays.copyOfRange(before, 512, 1024), f.driver.memory.read(BlockFixture.DATA, 512));
        }
        assertArrayEquals(before, Files.readAllBytes(disk));
    }

    @Test
    void indirectChainsAndEventIdxWork() throws Exception {
        Path disk = disk(64);
        long features = BlockFixture.FEATURES | VirtioFeatures.RING_EVENT_IDX;
        try (BlockFixture f = new BlockFixture(kvm, disk, false, features, 64)) {
            // One ring descriptor pointing at a table of header, two data buffers and status.
            long table = 0x28_0000;
            f.header(0, BlockModel.T_IN, 3);
            f.driver.writeDescriptor(table, BlockFixture.HEADERS, 16, VirtqDriver.DESC_NEXT, 1);
            f.driver.writeDescriptor(
                    table + 16, BlockFixture.DATA, 512, VirtqDriver.DESC_NEXT | VirtqDriver.DESC_WRITE, 2);
            f.driver.writeDescriptor(
                    table + 32, BlockFixture.DATA + 0x8000, 512, VirtqDriver.DESC_NEXT | VirtqDriver.DESC_WRITE, 3);
            f.driver.writeDescriptor(table + 48, BlockFixture.STATUS, 1, VirtqDriver.DESC_WRITE, 0);
            f.driver.descriptor(0, 5, table, 64, VirtqDriver.DESC_INDIRECT, 0);
            f.driver.submit(0, 5);
            assertTrue(f.driver.awaitUsed(0, 1, java.time.Duration.ofSeconds(5)), f.driver.transport.failure());
            byte[] file = Files.readAllBytes(disk);
            assertEquals(0, f.driver.memory.readByte(BlockFixture.STATUS));
            assertArrayEquals(Arrays.copyOfRange(file, 3 * 512, 4 * 512), f.driver.memory.read(BlockFixture.DATA, 512));
            assertArrayEquals(
                    Arrays.copyOfRange(file, 4 * 512, 5 * 512), f.driver.memory.read(BlockFixture.DATA + 0x8000, 512));
            assertEquals(new int[] {5, 1025}[1], f.driver.usedElement(0, 0)[1]);
            // EVENT_IDX: the device publishes avail_event = the next avail index it expects.
            assertEquals(1, f.driver.memory.readShort(f.driver.used(0) + 4 + 8L * 64));
        }
    }

    @Test
    void interruptsReachTheEventfdAndAreAcknowledged() throws Exception {
        Path disk = disk(8);
        try (BlockFixture f = new BlockFixture(kvm, disk, false)) {
            f.run(BlockModel.T_IN, 0, BlockFixture.DATA, 512, true);
            assertTrue(io.vmm4j.kvm.VirtioTestHooks.awaitInterrupt(f.vm, "disk", 5000));
            assertEquals(VirtioFeatures.INTERRUPT_USED_BUFFER, f.driver.reg(VirtioMmioTransport.INTERRUPT_STATUS));
            f.driver.reg(VirtioMmioTransport.INTERRUPT_ACK, VirtioFeatures.INTERRUPT_USED_BUFFER);
            assertEquals(0, f.driver.reg(VirtioMmioTransport.INTERRUPT_STATUS));
        }
    }

    @Test
    void aMissingBackingFileIsNamedInTheError() {
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memoryMiB(4).build())) {
            Path missing = dir.resolve("missing.img");
            VmmException error = assertThrows(
                    VmmException.class, () -> vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", missing, false)));
            assertTrue(error.getMessage().contains(missing.toString()), error.getMessage());
            assertTrue(error.getMessage().contains("No such file"), error.getMessage());
            assertTrue(vm.virtioDevices().isEmpty());
        }
    }
}
