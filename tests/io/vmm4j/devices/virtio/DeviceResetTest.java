package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.testing.RequiresKvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reset while the I/O thread is busy waits for it and loses no completed write; a close while
 * another thread polls the rings ends that thread's polling with an exception, never a fault.
 */
@RequiresKvm
class DeviceResetTest {
    private static final int REQUESTS = 20;
    private static final int BYTES = 64 * 1024;

    private static Hypervisor kvm;

    @TempDir
    Path dir;

    @BeforeAll
    static void shareHypervisor(Hypervisor shared) {
        kvm = shared; // opened once for the run and closed by the KVM extension
    }

    @RepeatedTest(5)
    void resetDuringWritesLosesNoCompletedWrite() throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[REQUESTS * BYTES]);
        try (BlockFixture f = new BlockFixture(kvm, disk, false)) {
            int[] heads = new int[REQUESTS];
            for (int r = 0; r < REQUESTS; r++) {
                byte[] data = new byte[BYTES];
                Arrays.fill(data, (byte) (r + 1));
                long at = BlockFixture.DATA + (long) r * BYTES;
                f.driver.memory.write(at, data);
                heads[r] = f.chain(r, BlockModel.T_OUT, (long) r * BYTES / 512, at, BYTES, false);
            }
            f.driver.submit(0, heads);
            Thread.sleep(0, 200_000);
            f.driver.reg(VirtioMmioTransport.STATUS, 0); // returns once the I/O thread let go

            int completed = f.driver.usedIndex(0);
            Thread.sleep(20);
            assertEquals(completed, f.driver.usedIndex(0), "nothing completes after the reset returned");
            byte[] file = Files.readAllBytes(disk);
            for (int n = 0; n < completed; n++) {
                int id = f.driver.usedElement(0, n)[0];
                int r = id / 3;
                assertEquals(BlockModel.S_OK, f.driver.memory.readByte(BlockFixture.STATUS + r));
                byte[] expected = new byte[BYTES];
                Arrays.fill(expected, (byte) (r + 1));
                assertArrayEquals(
                        expected,
                        Arrays.copyOfRange(file, r * BYTES, (r + 1) * BYTES),
                        "completed write " + r + " is not on disk");
            }
            // The device starts over cleanly.
            assertEquals(0xf, f.driver.start(BlockFixture.FEATURES));
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_IN, 0, BlockFixture.DATA, 512, true));
            assertTrue(completed >= 0);
        }
    }

    /**
     * A driver thread spinning on the used ring and ringing the doorbell while the VM closes under
     * it (as a test that closes its fixture while a helper thread still polls would): its next
     * access throws IllegalStateException; nothing reads or writes the unmapped RAM.
     */
    @Test
    void closeWhileAnotherThreadPollsTheRingsEndsThePollingCleanly() throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[REQUESTS * BYTES]);
        for (int round = 0; round < 3; round++) {
            BlockFixture f = new BlockFixture(kvm, disk, false);
            int[] heads = new int[REQUESTS];
            for (int r = 0; r < REQUESTS; r++) {
                heads[r] = f.chain(
                        r,
                        BlockModel.T_OUT,
                        (long) r * BYTES / 512,
                        BlockFixture.DATA + (long) r * BYTES,
                        BYTES,
                        false);
            }
            AtomicReference<Throwable> ended = new AtomicReference<>();
            CountDownLatch polling = new CountDownLatch(1);
            Thread poller = new Thread(
                    () -> {
                        try {
                            polling.countDown();
                            for (; ; ) {
                                f.driver.usedIndex(0);
                                f.driver.notify(0);
                                Thread.onSpinWait();
                            }
                        } catch (Throwable t) {
                            ended.set(t);
                        }
                    },
                    "ring-poller");
            poller.start();
            polling.await();
            f.driver.submit(0, heads);
            Thread.sleep(0, 200_000 * round);
            f.close();
            poller.join(10_000);
            assertFalse(poller.isAlive(), "the poller still runs after the close");
            assertInstanceOf(IllegalStateException.class, ended.get(), "how the poller ended");
            assertTrue(ended.get().getMessage().contains("closed"), ended.get().getMessage());
        }
    }
}
