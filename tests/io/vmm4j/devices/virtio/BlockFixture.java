package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.devices.virtio.block.BlockModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;

/** A VM (no vCPU runs) with one virtio-blk device driven by {@link VirtqDriver}. */
final class BlockFixture implements AutoCloseable {
    static final long RINGS = 0x10_0000;
    static final long HEADERS = 0x20_0000;
    static final long STATUS = 0x21_0000;
    static final long DATA = 0x30_0000;
    static final long FEATURES =
            VirtioFeatures.VERSION_1 | VirtioFeatures.RING_INDIRECT_DESC | BlockModel.F_FLUSH | BlockModel.F_SEG_MAX;

    final VirtualMachine vm;
    final VirtqDriver driver;

    BlockFixture(Hypervisor kvm, Path disk, boolean readOnly, long features, int queueSize) {
        vm = kvm.createVm(VmConfig.builder().memoryMiB(16).build());
        vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", disk, readOnly, "vmm4j-test-disk"));
        driver = new VirtqDriver(vm, "disk", RINGS, queueSize, 1);
        int status = driver.start(features);
        assertEquals(0xf, status, "status after DRIVER_OK");
    }

    BlockFixture(Hypervisor kvm, Path disk, boolean readOnly) {
        this(kvm, disk, readOnly, FEATURES, 64);
    }

    void header(int slot, int type, long sector) {
        byte[] h = new byte[16];
        ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector);
        driver.memory.write(HEADERS + 16L * slot, h);
    }

    /** A three-descriptor request at descriptors [3*slot, 3*slot+2]; returns the head. */
    int chain(int slot, int type, long sector, long data, int length, boolean deviceWrites) {
        header(slot, type, sector);
        driver.memory.writeByte(STATUS + slot, (byte) 0xff);
        int head = 3 * slot;
        driver.descriptor(0, head, HEADERS + 16L * slot, 16, VirtqDriver.DESC_NEXT, head + 1);
        driver.descriptor(
                0,
                head + 1,
                data,
                length,
                VirtqDriver.DESC_NEXT | (deviceWrites ? VirtqDriver.DESC_WRITE : 0),
                head + 2);
        driver.descriptor(0, head + 2, STATUS + slot, 1, VirtqDriver.DESC_WRITE, 0);
        return head;
    }

    /** Runs one request to completion and returns its status byte. */
    int run(int type, long sector, long data, int length, boolean deviceWrites) throws InterruptedException {
        int head = chain(0, type, sector, data, length, deviceWrites);
        driver.submit(0, head);
        assertTrue(
                driver.awaitUsed(0, 1, Duration.ofSeconds(5)),
                "request was not completed: " + driver.transport.failure());
        return driver.memory.readByte(STATUS) & 0xff;
    }

    @Override
    public void close() {
        vm.close();
    }
}
