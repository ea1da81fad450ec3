package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The virtio-smoke guest drives virtio-blk, virtio-rng and virtio-console through its own
 * virtio-mmio driver: registers by MMIO exit, QueueNotify through the ioeventfd, completions served
 * by the native I/O thread (and interrupts through the irqfd when the VM has the irqchip).
 */
@RequiresKvm
class VirtioGuestTest {
    private static Hypervisor kvm;

    @TempDir
    Path dir;

    @BeforeAll
    static void shareHypervisor(Hypervisor shared) {
        kvm = shared; // opened once for the run and closed by the KVM extension
    }

    @ParameterizedTest(name = "irqchip {0}")
    @ValueSource(booleans = {true, false})
    void guestDriverUsesBlkRngAndConsole(boolean irqchip) throws Exception {
        byte[] content = new byte[64 * 512];
        Arrays.fill(content, (byte) 0xEE);
        Path disk = Files.write(dir.resolve("disk.img"), content);
        ByteArrayOutputStream uart = new ByteArrayOutputStream();
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(8).irqchip(irqchip).build())) {
            vm.addSerialPort("com1", 0x3f8, uart);
            vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", disk, false, "smoke-disk"));
            vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
            vm.addVirtioDevice(new VirtioDeviceConfig.Console("console", console));
            assertEquals(5, vm.virtioConsole("console").sendInput("ping\n".getBytes(StandardCharsets.US_ASCII)));
            FlatBinaryBoot.load(vm, BundledGuest.VIRTIO_SMOKE.image());
            FlatBinaryBoot.enterProtectedMode(vm.createVcpu(0));
            vm.start();

            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!text(uart).contains("virtio-smoke: done") && System.nanoTime() < deadline) Thread.sleep(5);
            if (irqchip) {
                vm.stop(); // HLT waits in the kernel
            } else {
                Optional<StopReason> reason = vm.awaitStop(Duration.ofSeconds(5));
                assertEquals(StopReason.Kind.HALTED, reason.orElseThrow().kind());
            }
            String out = text(uart);
            assertTrue(out.contains("virtio-smoke: done"), out);
            assertTrue(out.contains("virtio-blk: capacity 64 write ok flush ok read ok match ok id smoke-disk\n"), out);
            assertTrue(out.contains("virtio-rng: got 32 bytes, not all zero\n"), out);
            assertTrue(out.contains("virtio-console: received ping\n"), out);
            assertTrue(!out.contains("FAIL"), out);
            assertEquals("hello from the guest console\necho: ping\n", text(console));
        }
        byte[] file = Files.readAllBytes(disk);
        byte[] expected = new byte[512];
        for (int i = 0; i < 512; i++) expected[i] = (byte) (i * 13 + 7);
        assertArrayEquals(expected, Arrays.copyOfRange(file, 5 * 512, 6 * 512), "sector 5 on the host");
        assertArrayEquals(Arrays.copyOf(content, 5 * 512), Arrays.copyOf(file, 5 * 512), "nothing else written");
        assertArrayEquals(
                Arrays.copyOfRange(content, 6 * 512, content.length), Arrays.copyOfRange(file, 6 * 512, file.length));
    }

    private static String text(ByteArrayOutputStream stream) {
        synchronized (stream) {
            return stream.toString(StandardCharsets.UTF_8);
        }
    }
}
