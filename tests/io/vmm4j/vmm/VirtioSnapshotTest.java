package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.InvalidSnapshotException;
import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Snapshots of VMs with virtio devices, restored into new VMs built from the state file alone. The
 * virtio-loop guest keeps virtio-blk busy (request pair n writes sector n % 64 with n's pattern, reads
 * it back and compares), so the snapshot catches a request in flight.
 */
@RequiresKvm
class VirtioSnapshotTest {
    private static final int STOP_MAGIC = 0x504f5453;
    private static final int SECTORS = 64;
    private static final int SECTOR = 512;
    private static final Duration AWAIT = Duration.ofSeconds(60);

    @TempDir
    Path temp;

    private VirtualMachine loopVm(Hypervisor kvm, Path disk, boolean irqchip, OutputStream uart) {
        VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(8).irqchip(irqchip).build());
        vm.addSerialPort("com1", 0x3f8, uart);
        vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", disk, false, "loop-disk"));
        vm.addVirtioDevice(new VirtioDeviceConfig.Console("console"));
        vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
        FlatBinaryBoot.load(vm, BundledGuest.VIRTIO_LOOP.image());
        FlatBinaryBoot.enterProtectedMode(vm.createVcpu(0));
        return vm;
    }

    /**
     * Snapshot mid-I/O, then the clone (on a copy of the disk taken with the snapshot) finishes 20 more
     * request pairs: no completion lost (the guest would wait forever), none repeated (the guest's
     * read-back would see another request's data), and every sector on the clone's disk holds the
     * pattern of the last request pair that wrote it. The source's disk is not written after the snapshot.
     */
    @ParameterizedTest(name = "irqchip {0}")
    @ValueSource(booleans = {true, false})
    void aSnapshotTakenMidIoRestoresWithNoLostOrRepeatedCompletion(boolean irqchip, Hypervisor kvm) throws Exception {
        Path disk = Files.write(temp.resolve("disk.img"), new byte[SECTORS * SECTOR]);
        Path cloneDisk = temp.resolve("clone-disk.img");
        Path snapshot = temp.resolve("snapshot");
        ConsoleCapture sourceUart = new ConsoleCapture();
        long atSnapshot;
        try (VirtualMachine source = loopVm(kvm, disk, irqchip, sourceUart)) {
            source.start();
            sourceUart.awaitCondition(() -> counter(source) >= 10, "10 request pairs in the source", AWAIT);
            source.pause(); // waits for the request the I/O thread is serving; others stay in the ring
            atSnapshot = counter(source);
            source.snapshot(snapshot);
            Files.copy(disk, cloneDisk);
        }
        byte[] sourceDisk = Files.readAllBytes(disk);

        ConsoleCapture uart = new ConsoleCapture();
        RestoreOptions options = RestoreOptions.builder()
                .output("com1", uart)
                .disk("disk", cloneDisk)
                .build();
        try (VirtualMachine clone = kvm.restore(snapshot, options)) {
            assertEquals(atSnapshot, counter(clone), "the clone starts from the snapshot's count");
            clone.start();
            uart.awaitCondition(() -> counter(clone) >= atSnapshot + 20, "20 more request pairs in the clone", AWAIT);
            clone.memory().writeInt(BundledGuest.MAILBOX + 8, STOP_MAGIC);
            uart.awaitCondition(
                    () -> uart.text().matches("(?s).*virtio-loop: (done \\d+|FAIL .*)\n.*"),
                    "the clone to stop",
                    AWAIT);
            String out = uart.text();
            assertFalse(out.contains("FAIL"), out);
            long pairs = counter(clone);
            assertTrue(out.contains("virtio-loop: done " + pairs + "\n"), out);
            clone.stop();
            assertSectorsHoldTheLastPatterns(Files.readAllBytes(cloneDisk), pairs);
        }
        assertArrayEquals(sourceDisk, Files.readAllBytes(disk), "the clone wrote the source's disk");
    }

    /** The clone's disk must still be the size the guest knows; the error names both files, and nothing leaks. */
    @Test
    void aDiskOfAnotherSizeIsRefusedNamingTheFile(Hypervisor kvm) throws Exception {
        Path disk = Files.write(temp.resolve("disk.img"), new byte[SECTORS * SECTOR]);
        Path snapshot = temp.resolve("snapshot");
        try (VirtualMachine source = loopVm(kvm, disk, true, OutputStream.nullOutputStream())) {
            source.snapshot(snapshot);
        }
        long fdsBefore = openFds();
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(2L * SECTORS * SECTOR);
        }
        InvalidSnapshotException grown = assertThrows(InvalidSnapshotException.class, () -> kvm.restore(snapshot));
        assertTrue(grown.getMessage().contains(snapshot.resolve("state") + " at offset "), grown.getMessage());
        assertTrue(grown.getMessage().contains(disk.toString()), grown.getMessage());
        assertTrue(grown.getMessage().contains(SECTORS * SECTOR + " bytes"), grown.getMessage());

        Path missing = temp.resolve("missing.img");
        InvalidSnapshotException absent = assertThrows(
                InvalidSnapshotException.class,
                () -> kvm.restore(
                        snapshot, RestoreOptions.builder().disk("disk", missing).build()));
        assertTrue(absent.getMessage().contains(missing + " does not exist"), absent.getMessage());
        assertEquals(fdsBefore, openFds(), "a refused restore left file descriptors open");
    }

    private static void assertSectorsHoldTheLastPatterns(byte[] disk, long pairs) {
        for (long n = Math.max(0, pairs - SECTORS); n < pairs; n++) {
            int sector = (int) (n % SECTORS);
            byte[] expected = new byte[SECTOR];
            for (int i = 0; i < SECTOR; i++) expected[i] = (byte) (n * 7 + i);
            assertArrayEquals(
                    expected,
                    Arrays.copyOfRange(disk, sector * SECTOR, (sector + 1) * SECTOR),
                    "sector " + sector + " should hold request pair " + n);
        }
    }

    private static long counter(VirtualMachine vm) {
        return vm.memory().readLong(BundledGuest.MAILBOX);
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
