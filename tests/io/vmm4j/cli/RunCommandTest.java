package io.vmm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.builder.Initramfs;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmm4j run} booting Debian's kernel with the devices its options attach, as a person would from
 * the command line. The parsing and error lines are in {@link MainTest}; this is the whole path.
 */
class RunCommandTest {
    private static final String DISK_MARKER = "VMM4J-CLI-DISK-SECTOR-0";
    private static final long BOUND_SECONDS = 240;
    /** Load order: each module needs the ones before it. */
    private static final String[] MODULES = {
        "kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
        "kernel/drivers/virtio/virtio_mmio.ko", "kernel/drivers/block/virtio_blk.ko",
        "kernel/drivers/char/hw_random/virtio-rng.ko"
    };

    @Test
    @RequiresKvm
    void aReadOnlyDiskAndTheRngReachTheGuestsInit(@TempDir Path dir) throws Exception {
        byte[] sectors = new byte[1 << 20];
        byte[] marker = (DISK_MARKER + "\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(marker, 0, sectors, 0, marker.length);
        Path disk = Files.write(dir.resolve("data.img"), sectors);
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), initramfs());

        ConsoleCapture console = new ConsoleCapture();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        FutureTask<Integer> run = new FutureTask<>(() -> new Main(
                        new PrintStream(console, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        Kvm.DEFAULT_DEVICE)
                .run(
                        "run",
                        "--kernel",
                        DebianPackages.kernel().toString(),
                        "--initrd",
                        initrd.toString(),
                        "--mem",
                        "256",
                        "--disk",
                        disk + ",ro",
                        "--rng",
                        "--cmdline",
                        "console=ttyS0 reboot=k panic=-1 pci=off rdinit=/init"));
        Thread runner = new Thread(run, "vmm4j-run-command-test");
        runner.start();
        int status;
        try {
            status = run.get(BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            runner.interrupt(); // awaitStop returns, and the command closes its VM
            runner.join(30_000);
            throw new AssertionError("vmm4j run did not end within " + BOUND_SECONDS + " s:\n" + console.text());
        } catch (ExecutionException e) {
            throw new AssertionError("vmm4j run threw:\n" + console.text(), e.getCause());
        }
        String log = console.text();
        String errors = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, "exit status; stderr: " + errors + "\nconsole:\n" + log);
        assertEquals("", errors);
        assertTrue(log.contains("sector0=" + DISK_MARKER + "\n"), "the guest did not read the disk:\n" + log);
        assertTrue(log.contains("vda-ro=1\n"), "the disk is not read-only in the guest:\n" + log);
        assertTrue(log.contains("rng=virtio_rng.0\n"), "virtio-rng is not the guest's hwrng:\n" + log);
        assertTrue(log.contains("hwrng-bytes=64\n"), "no bytes from /dev/hwrng:\n" + log);
    }

    /** Busybox, the virtio modules of the kernel's package, and an init that reports what it finds and reboots. */
    private static byte[] initramfs() throws Exception {
        Path modules;
        try (var versions = Files.list(DebianPackages.kernel().getParent().resolveSibling("lib/modules"))) {
            modules = versions.findFirst().orElseThrow();
        }
        StringBuilder init = new StringBuilder("#!/bin/busybox sh\n/bin/busybox --install -s /bin\n")
                .append("mount -t devtmpfs dev /dev\nmount -t proc proc /proc\nmount -t sysfs sys /sys\n");
        Initramfs image = new Initramfs()
                .directory("bin")
                .directory("dev")
                .directory("proc")
                .directory("sys")
                .directory("lib")
                .file("bin/busybox", 0755, Files.readAllBytes(DebianPackages.busybox()));
        for (String module : MODULES) {
            String name = Path.of(module).getFileName().toString();
            image.file("lib/" + name, 0644, Files.readAllBytes(modules.resolve(module)));
            init.append("insmod /lib/").append(name).append('\n');
        }
        // Probing is asynchronous: wait for the device node, by time (50 x 0.2 s), never by loop speed alone.
        init.append("for i in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.2; done\n")
                .append("echo \"sector0=$(head -n 1 /dev/vda)\"\n")
                .append("echo \"vda-ro=$(cat /sys/block/vda/ro)\"\n")
                .append("echo \"rng=$(cat /sys/class/misc/hw_random/rng_current)\"\n")
                .append("echo \"hwrng-bytes=$(head -c 64 /dev/hwrng | wc -c)\"\n")
                .append("reboot -f\n");
        return image.file("init", 0755, init.toString().getBytes(StandardCharsets.US_ASCII))
                .toBytes();
    }
}
