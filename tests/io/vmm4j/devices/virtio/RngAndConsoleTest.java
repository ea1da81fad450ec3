package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioConsole;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** virtio-rng and virtio-console driven from the test through guest memory, plus VM lifetime. */
@RequiresKvm
class RngAndConsoleTest {
    private static final long BUF = 0x20_0000;
    private static Hypervisor kvm;

    @BeforeAll
    static void shareHypervisor(Hypervisor shared) {
        kvm = shared; // opened once for the run and closed by the KVM extension
    }

    @Test
    void rngFillsWritableBuffersAndRefusesReadableOnes() throws Exception {
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memoryMiB(8).build())) {
            vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
            VirtqDriver d = new VirtqDriver(vm, "rng", 0x10_0000, 16, 1);
            assertEquals(0xf, d.start(VirtioFeatures.VERSION_1));
            d.memory.write(BUF, new byte[64]);
            d.descriptor(0, 0, BUF, 64, VirtqDriver.DESC_WRITE, 0);
            d.submit(0, 0);
            assertTrue(d.awaitUsed(0, 1, Duration.ofSeconds(5)));
            assertEquals(64, d.usedElement(0, 0)[1]);
            byte[] random = d.memory.read(BUF, 64);
            assertFalse(java.util.Arrays.equals(new byte[64], random));

            d.descriptor(0, 1, BUF, 64, 0, 0); // device-readable: wrong direction
            d.submit(0, 1);
            assertTrue(d.awaitNeedsReset(Duration.ofSeconds(5)));
            assertTrue(d.transport.failure().contains("device-readable buffer"), d.transport.failure());
        }
    }

    @Test
    void consoleCarriesBytesBothWaysAndBoundsItsInput() throws Exception {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memoryMiB(8).build())) {
            vm.addVirtioDevice(new VirtioDeviceConfig.Console("con", output));
            vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
            VirtioConsole console = vm.virtioConsole("con");
            assertThrows(IllegalArgumentException.class, () -> vm.virtioConsole("rng"));
            assertThrows(IllegalArgumentException.class, () -> vm.virtioConsole("nope"));

            VirtqDriver d = new VirtqDriver(vm, "con", 0x10_0000, 16, 2);
            assertEquals(0xf, d.start(VirtioFeatures.VERSION_1));
            // Guest to host.
            byte[] hello = "hello, host".getBytes(StandardCharsets.US_ASCII);
            d.memory.write(BUF, hello);
            d.descriptor(1, 0, BUF, 5, VirtqDriver.DESC_NEXT, 1);
            d.descriptor(1, 1, BUF + 5, hello.length - 5, 0, 0);
            d.submit(1, 0);
            assertTrue(d.awaitUsed(1, 1, Duration.ofSeconds(5)));
            assertEquals("hello, host", output.toString(StandardCharsets.US_ASCII));

            // Host to guest: a receive buffer waits for input, and input waits for buffers.
            d.descriptor(0, 0, BUF + 0x1000, 4, VirtqDriver.DESC_WRITE, 0);
            d.submit(0, 0);
            Thread.sleep(10);
            assertEquals(0, d.usedIndex(0), "no input yet: the buffer stays with the device");
            assertEquals(6, console.sendInput("abcdef".getBytes(StandardCharsets.US_ASCII)));
            assertTrue(d.awaitUsed(0, 1, Duration.ofSeconds(5)));
            assertEquals(4, d.usedElement(0, 0)[1]);
            assertEquals("abcd", new String(d.memory.read(BUF + 0x1000, 4), StandardCharsets.US_ASCII));
            d.descriptor(0, 1, BUF + 0x2000, 64, VirtqDriver.DESC_WRITE, 0);
            d.submit(0, 1);
            assertTrue(d.awaitUsed(0, 1, Duration.ofSeconds(5)));
            assertEquals(2, d.usedElement(0, 1)[1]);
            assertEquals("ef", new String(d.memory.read(BUF + 0x2000, 2), StandardCharsets.US_ASCII));

            byte[] lots = new byte[VirtioConsole.INPUT_CAPACITY + 100];
            assertEquals(VirtioConsole.INPUT_CAPACITY, console.sendInput(lots));
            assertEquals(0, console.sendInput(lots, 0, 10), "full");
        }
    }

    @Test
    void closingVmsWithVirtioDevicesLeaksNoFdsOrThreads() throws Exception {
        var disk = Files.createTempFile("vmm4j-leak", ".img");
        try {
            Files.write(disk, new byte[8192]);
            for (int round = 0; round < 5; round++) cycle(disk); // warm up
            long fds = openFds();
            int threads = Thread.activeCount();
            for (int round = 0; round < 50; round++) cycle(disk);
            assertEquals(fds, openFds(), "file descriptors");
            assertTrue(Thread.activeCount() <= threads + 1, "Java threads");
            assertEquals(0, nativeIoThreads(), "native I/O threads left running");
        } finally {
            Files.deleteIfExists(disk);
        }
    }

    private static void cycle(java.nio.file.Path disk) throws Exception {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(4).irqchip(true).build())) {
            vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", disk, false));
            vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
            vm.addVirtioDevice(new VirtioDeviceConfig.Console("con"));
            VirtqDriver d = new VirtqDriver(vm, "rng", 0x10_0000, 16, 1);
            d.start(VirtioFeatures.VERSION_1);
            d.descriptor(0, 0, BUF, 16, VirtqDriver.DESC_WRITE, 0);
            d.submit(0, 0);
            assertTrue(d.awaitUsed(0, 1, Duration.ofSeconds(5)));
        }
    }

    private static long openFds() throws Exception {
        try (var list = Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return list.count();
        }
    }

    private static long nativeIoThreads() throws Exception {
        try (var tasks = Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            List<java.nio.file.Path> all = tasks.toList();
            long count = 0;
            for (var task : all) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().equals("vmm4j-virtio-io")) count++;
                } catch (java.io.IOException gone) {
                    // the thread ended meanwhile
                }
            }
            return count;
        }
    }
}
