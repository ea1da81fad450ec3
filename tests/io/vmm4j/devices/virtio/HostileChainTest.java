package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.testing.RequiresKvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hostile driver: each malformed chain must break only the device (DEVICE_NEEDS_RESET and a
 * configuration-change interrupt), leave the disk untouched, and keep the VM and JVM up; after a
 * reset the device works again.
 */
@RequiresKvm
class HostileChainTest {
    private static final int QUEUE = 8;
    private static final int R = 0;
    private static final int W = VirtqDriver.DESC_WRITE;
    private static final int N = VirtqDriver.DESC_NEXT;
    private static final int I = VirtqDriver.DESC_INDIRECT;
    private static final long TABLE = 0x28_0000;
    private static final long TABLE2 = 0x29_0000;

    private static Hypervisor kvm;

    @TempDir
    Path dir;

    @BeforeAll
    static void shareHypervisor(Hypervisor shared) {
        kvm = shared; // opened once for the run and closed by the KVM extension
    }

    /** Sets up descriptors for a write request of sector 1 and returns the head to publish. */
    static Stream<Arguments> chains() {
        long h = BlockFixture.HEADERS;
        long d = BlockFixture.DATA;
        long s = BlockFixture.STATUS;
        return Stream.of(
                chain("a loop in the chain", "longer than the queue size", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 1);
                    f.driver.descriptor(0, 1, d, 512, R | N, 2);
                    f.driver.descriptor(0, 2, d, 512, R | N, 1);
                    return 0;
                }),
                chain("a chain longer than the queue size", "longer than the queue size", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 1);
                    f.driver.descriptor(0, 1, d, 512, R | N, 2);
                    f.driver.descriptor(0, 2, TABLE, 16 * QUEUE, I, 0); // 2 + 8 > 8
                    for (int i = 0; i < QUEUE; i++) {
                        f.driver.writeDescriptor(TABLE + 16L * i, d, 512, i == QUEUE - 1 ? W : R | N, i + 1);
                    }
                    return 0;
                }),
                chain("a data address outside guest memory", "outside guest memory", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 1);
                    f.driver.descriptor(0, 1, 0xF000_0000L, 512, R | N, 2);
                    f.driver.descriptor(0, 2, s, 1, W, 0);
                    return 0;
                }),
                chain("a buffer running off the end of guest memory", "outside guest memory", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 1);
                    f.driver.descriptor(0, 1, (16L << 20) - 256, 512, R | N, 2);
                    f.driver.descriptor(0, 2, s, 1, W, 0);
                    return 0;
                }),
                chain("address plus length overflowing", "overflows", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 1);
                    f.driver.descriptor(0, 1, 0xFFFF_FFFF_FFFF_F000L, 0x2000, R | N, 2);
                    f.driver.descriptor(0, 2, s, 1, W, 0);
                    return 0;
                }),
                chain("a nested indirect table", "nested indirect", f -> {
                    f.driver.descriptor(0, 0, TABLE, 32, I, 0);
                    f.driver.writeDescriptor(TABLE, h, 16, R | N, 1);
                    f.driver.writeDescriptor(TABLE + 16, TABLE2, 32, I, 0);
                    f.driver.writeDescriptor(TABLE2, d, 512, R | N, 1);
                    f.driver.writeDescriptor(TABLE2 + 16, s, 1, W, 0);
                    return 0;
                }),
                chain("an indirect table outside guest memory", "outside guest memory", f -> {
                    f.driver.descriptor(0, 0, 0x7000_0000L, 48, I, 0);
                    return 0;
                }),
                chain("an indirect descriptor with NEXT", "indirect descriptor with NEXT", f -> {
                    f.driver.descriptor(0, 0, TABLE, 48, I | N, 1);
                    return 0;
                }),
                chain("an indirect table whose length is not a multiple of 16", "bad indirect table length", f -> {
                    f.driver.descriptor(0, 0, TABLE, 40, I, 0);
                    return 0;
                }),
                chain("a write-only header where a read-only one belongs", "not device-readable", f -> {
                    f.driver.descriptor(0, 0, h, 16, W | N, 1);
                    f.driver.descriptor(0, 1, d, 512, W | N, 2);
                    f.driver.descriptor(0, 2, s, 1, W, 0);
                    return 0;
                }),
                chain("a read-only status where a write-only one belongs", "not device-writable", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 1);
                    f.driver.descriptor(0, 1, d, 512, R | N, 2);
                    f.driver.descriptor(0, 2, s, 1, R, 0);
                    return 0;
                }),
                chain("a readable descriptor after a writable one", "device-readable descriptor after", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 1);
                    f.driver.descriptor(0, 1, s, 1, W | N, 2);
                    f.driver.descriptor(0, 2, d, 512, R, 0);
                    return 0;
                }),
                chain("a next index beyond the table", "next descriptor index out of range", f -> {
                    f.driver.descriptor(0, 0, h, 16, R | N, 200);
                    return 0;
                }),
                chain("a head index beyond the table", "head descriptor index out of range", f -> 1000),
                chain("an avail index far ahead", "more than the queue size ahead", f -> {
                    f.driver.memory.writeShort(f.driver.avail(0) + 2, (short) 100);
                    return -1;
                }));
    }

    private static Arguments chain(String name, String expected, ToIntFunction<BlockFixture> setup) {
        return Arguments.of(name, expected, setup);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("chains")
    void malformedChainBreaksTheDeviceOnly(String name, String expected, ToIntFunction<BlockFixture> setup)
            throws Exception {
        byte[] content = new byte[64 * 512];
        new Random(1).nextBytes(content);
        Path disk = Files.write(dir.resolve("disk.img"), content);
        try (BlockFixture f = new BlockFixture(kvm, disk, false, BlockFixture.FEATURES, QUEUE)) {
            f.header(0, BlockModel.T_OUT, 1);
            f.driver.memory.write(BlockFixture.DATA, new byte[4096]);
            int head = setup.applyAsInt(f);
            if (head >= 0) {
                f.driver.submit(0, head);
            } else {
                f.driver.notify(0);
            }
            assertTrue(f.driver.awaitNeedsReset(Duration.ofSeconds(5)), name + ": device did not ask for a reset");
            assertTrue(f.driver.transport.failure().contains(expected), f.driver.transport.failure());
            assertEquals(
                    VirtioFeatures.INTERRUPT_CONFIG_CHANGE,
                    f.driver.reg(VirtioMmioTransport.INTERRUPT_STATUS) & VirtioFeatures.INTERRUPT_CONFIG_CHANGE);
            assertEquals(0, f.driver.usedIndex(0), "nothing completed");
            // Further notifies are ignored until the driver resets the device.
            f.driver.notify(0);
            Thread.sleep(5);
            assertEquals(0, f.driver.usedIndex(0));

            // The driver resets and starts over: the device works again.
            assertEquals(0xf, f.driver.start(BlockFixture.FEATURES));
            assertFalse(f.driver.needsReset());
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_IN, 2, BlockFixture.DATA, 512, true));
        }
        assertArrayEquals(content, Files.readAllBytes(disk), "the disk must be untouched");
    }

    @Test
    void ringsOutsideGuestMemoryAreRefusedAtDriverOk() throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[4096]);
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memoryMiB(4).build())) {
            vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", disk, false));
            VirtqDriver driver = new VirtqDriver(vm, "disk", 0x10_0000, 64, 1);
            driver.start(BlockFixture.FEATURES);
            driver.reg(VirtioMmioTransport.STATUS, 0);
            driver.reg(VirtioMmioTransport.STATUS, 3);
            driver.reg(VirtioMmioTransport.DRIVER_FEATURES_SEL, 1);
            driver.reg(VirtioMmioTransport.DRIVER_FEATURES, 1);
            driver.reg(VirtioMmioTransport.STATUS, 0xb);
            driver.reg(VirtioMmioTransport.QUEUE_SEL, 0);
            driver.reg(VirtioMmioTransport.QUEUE_NUM, 64);
            driver.reg(VirtioMmioTransport.QUEUE_DESC_LOW, 0x7fff_f000);
            driver.reg(VirtioMmioTransport.QUEUE_READY, 1);
            driver.reg(VirtioMmioTransport.STATUS, 0xf);
            assertTrue(driver.needsReset());
            assertTrue(driver.transport.failure().contains("outside guest memory"), driver.transport.failure());
            assertEquals(0xf, driver.start(BlockFixture.FEATURES), "a reset clears it");
        }
    }
}
