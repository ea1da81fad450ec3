package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The virtio-loop guest keeps virtio-blk busy; the VM is paused mid-run, its device state saved,
 * replaced by the state of a fresh VM (the devices reset), restored, and resumed: the guest's
 * queue must go on where it was, with no request lost, repeated or refused.
 */
@RequiresKvm
class VirtioDeviceStateTest {
    private static final int STOP_MAGIC = 0x504f5453;
    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static Hypervisor kvm;

    @TempDir
    Path dir;

    @BeforeAll
    static void shareHypervisor(Hypervisor shared) {
        kvm = shared;
    }

    @ParameterizedTest(name = "irqchip {0}")
    @ValueSource(booleans = {true, false})
    void pausedGuestResumesItsQueueAfterARestore(boolean irqchip) throws Exception {
        Path disk = Files.write(dir.resolve("disk.img"), new byte[64 * 512]);
        ConsoleCapture uart = new ConsoleCapture();
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(8).irqchip(irqchip).build())) {
            vm.addSerialPort("com1", 0x3f8, uart);
            vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", disk, false, "loop-disk"));
            vm.addVirtioDevice(new VirtioDeviceConfig.Console("console", new ByteArrayOutputStream()));
            FlatBinaryBoot.load(vm, BundledGuest.VIRTIO_LOOP.image());
            FlatBinaryBoot.enterProtectedMode(vm.createVcpu(0));
            Map<String, DeviceSnapshot> fresh = byName(vm.snapshotDevices());
            assertTrue(
                    fresh.keySet().containsAll(List.of("com1", "disk", "console")),
                    fresh.keySet().toString());
            vm.start();

            uart.awaitCondition(() -> counter(vm) >= 20, "the guest to complete 20 request pairs", AWAIT);
            vm.pause(); // parks the vCPU, then quiesces the virtio I/O thread
            long atPause = counter(vm);
            List<DeviceSnapshot> saved = vm.snapshotDevices();
            assertFalse(
                    Arrays.equals(
                            fresh.get("disk").state(), byName(saved).get("disk").state()),
                    "a running disk's state differs from a fresh one's");

            vm.restoreDevices(List.copyOf(fresh.values())); // every device back to power-on
            assertSameStates(List.copyOf(fresh.values()), vm.snapshotDevices());
            vm.restoreDevices(saved);
            assertSameStates(saved, vm.snapshotDevices());
            Thread.sleep(50);
            assertEquals(atPause, counter(vm), "a paused guest made progress");

            vm.resume();
            uart.awaitCondition(() -> counter(vm) >= atPause + 20, "20 more request pairs after the restore", AWAIT);
            vm.memory().writeInt(BundledGuest.MAILBOX + 8, STOP_MAGIC);
            // The whole line: the UART's bytes arrive one exit at a time.
            uart.awaitCondition(
                    () -> uart.text().matches("(?s).*virtio-loop: (done \\d+|FAIL .*)\n.*"),
                    "the guest to stop",
                    AWAIT);
            String out = uart.text();
            assertFalse(out.contains("FAIL"), out);
            long pairs = counter(vm);
            assertTrue(out.contains("virtio-loop: done " + pairs + "\n"), out);
            vm.stop();

            // The last request pair's sector holds its pattern on the host.
            long last = pairs - 1;
            byte[] sector =
                    Arrays.copyOfRange(Files.readAllBytes(disk), (int) (last % 64) * 512, (int) (last % 64 + 1) * 512);
            for (int i = 0; i < 512; i++) assertEquals((byte) (last * 7 + i), sector[i], "byte " + i);
        }
    }

    private static long counter(VirtualMachine vm) {
        return vm.memory().readLong(BundledGuest.MAILBOX);
    }

    private static Map<String, DeviceSnapshot> byName(List<DeviceSnapshot> snapshots) {
        return snapshots.stream()
                .collect(Collectors.toMap(
                        DeviceSnapshot::deviceName, s -> s, (a, b) -> a, java.util.LinkedHashMap::new));
    }

    private static void assertSameStates(List<DeviceSnapshot> expected, List<DeviceSnapshot> actual) {
        Map<String, DeviceSnapshot> byName = byName(actual);
        for (DeviceSnapshot snapshot : expected) {
            DeviceSnapshot now = byName.get(snapshot.deviceName());
            assertEquals(snapshot.version(), now.version(), snapshot.deviceName());
            assertArrayEquals(snapshot.state(), now.state(), snapshot.deviceName() + ": restore is not exact");
        }
    }
}
