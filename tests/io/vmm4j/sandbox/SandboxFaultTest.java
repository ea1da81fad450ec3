package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.builder.Initramfs;
import io.vmm4j.sandbox.image.SandboxImage;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guests that do not come up: each is reported with the console's last lines, and nothing is left open (no fd,
 * no vmm4j thread, no entry for the shutdown hook).
 */
@RequiresKvm
class SandboxFaultTest {
    private static final String MARKER = "VMM4J-INIT-GIVES-UP";

    @Test
    void aGuestThatPanicsIsReportedWithItsLastConsoleLines(@TempDir Path dir) throws Exception {
        // init exits at once: the kernel panics ("Attempted to kill init!") and, with panic=1, reboots.
        SandboxImage image = image(dir, "echo " + MARKER + "; exit 1");
        Held before = Held.now();
        SandboxStartException failure = assertThrows(
                SandboxStartException.class,
                () -> Sandbox.builder().image(image).memoryMiB(128).start());
        assertTrue(failure.getMessage().contains("the guest stopped before its agent was ready"), failure.getMessage());
        assertTrue(failure.consoleTail().contains("Kernel panic"), failure.consoleTail());
        assertTrue(failure.consoleTail().contains(MARKER), failure.consoleTail());
        before.assertSameNow();
    }

    @Test
    void aGuestWhoseAgentNeverAnswersTimesOutWithItsConsole(@TempDir Path dir) throws Exception {
        SandboxImage image = image(dir, "echo " + MARKER + "; exec sleep 100000");
        Held before = Held.now();
        long start = System.nanoTime();
        SandboxStartException failure = assertThrows(
                SandboxStartException.class,
                () -> Sandbox.builder()
                        .image(image)
                        .memoryMiB(128)
                        .startTimeout(Duration.ofSeconds(5))
                        .start());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(failure.getMessage().contains("was not ready within 5 s"), failure.getMessage());
        assertTrue(failure.consoleTail().contains(MARKER), failure.consoleTail());
        // Well before the default start timeout (3 minutes), which the guest would otherwise run into.
        assertTrue(took.compareTo(Duration.ofSeconds(150)) < 0, "gave up at the timeout: " + took);
        before.assertSameNow();
    }

    /** What the JVM held before a failed start: it must hold the same after. */
    private record Held(Set<String> fds, Set<String> threads, int sandboxes) {
        static Held now() throws IOException {
            return new Held(ProcessResources.openFds(), ProcessResources.threadNames(), OpenSandboxes.count());
        }

        void assertSameNow() throws IOException {
            assertEquals(sandboxes, OpenSandboxes.count(), "the failed sandbox is still registered for the hook");
            assertEquals(fds, ProcessResources.openFds(), "fds after a failed start");
            assertEquals(threads, ProcessResources.threadNames(), "vmm4j threads after a failed start");
        }
    }

    /** The default image's kernel with a busybox initramfs whose init runs {@code script}. */
    private static SandboxImage image(Path dir, String script) throws Exception {
        byte[] init = ("#!/bin/busybox sh\n/bin/busybox --install -s /bin\n" + script + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        Path initrd = new Initramfs()
                .directory("bin")
                .file("bin/busybox", 0755, Files.readAllBytes(DebianPackages.busybox()))
                .file("init", 0755, init)
                .writeTo(dir.resolve("initramfs.cpio"));
        return SandboxImage.of(DebianPackages.kernel(), initrd);
    }
}
