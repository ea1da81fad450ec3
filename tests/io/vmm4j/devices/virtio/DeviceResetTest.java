package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.testing.RequiresKvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/** A reset while the I/O thread is busy waits for it and loses no completed write. */
@RequiresKvm
class DeviceResetTest {
    private static final int REQUESTS = 20;
    private static final int BYTES = 64 * 1024;

    private static Hypervisor kvm;
    @TempDir Path dir;

    @BeforeAll
    static void shareHypervisor(Hypervisor shared) {
        kvm = shared;  // opened once for the run and closed by the KVM extension
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
            f.driver.reg(VirtioMmioTransport.STATUS, 0);  // returns once the I/O thread let go

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
                assertArrayEquals(expected, Arrays.copyOfRange(file, r * BYTES, (r + 1) * BYTES),
                        "completed write " + r + " is not on disk");
            }
            // The device starts over cleanly.
            assertEquals(0xf, f.driver.start(BlockFixture.FEATURES));
            assertEquals(BlockModel.S_OK, f.run(BlockModel.T_IN, 0, BlockFixture.DATA, 512, true));
            assertTrue(completed >= 0);
        }
    }
}
