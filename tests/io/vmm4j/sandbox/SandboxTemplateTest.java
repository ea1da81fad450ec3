package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.agent.ExecResult;
import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sandboxes cloned from one {@link SandboxTemplate}: the default image is booted once for the class, and
 * every sandbox here is a restore of its snapshot.
 */
@RequiresKvm
@ExtendWith(PreparedSandboxImage.class)
class SandboxTemplateTest {
    private static final Duration WARM = Duration.ofMinutes(2);
    /** Clones made and closed by the leak test; the issue asks for 50 sandboxes. */
    private static final int LEAK_CYCLES = Integer.getInteger("vmm4j.sandbox.clone.cycles", 50);

    private static SandboxTemplate template;

    @BeforeAll
    static void bootTheTemplate() {
        template = SandboxTemplate.create(Sandbox.builder().memoryMiB(128).name("template"));
    }

    @AfterAll
    static void closeTheTemplate() {
        if (template != null) template.close();
    }

    @Test
    void clonesRunCommandsApartWithTheHostsTimeAndTheirOwnEntropy() throws Exception {
        try (Sandbox first = template.start();
                Sandbox second = template.start()) {
            assertEquals("first\n", first.exec("echo", "first").stdoutText());
            first.exec("sh", "-c", "echo mine > /tmp/mark");
            ExecResult other = second.exec("cat", "/tmp/mark");
            assertNotEquals(0, other.exitCode(), "a clone saw another clone's file: " + other.stdoutText());

            for (Sandbox clone : new Sandbox[] {first, second}) {
                long guest =
                        Long.parseLong(clone.exec("date", "+%s").stdoutText().strip()); // busybox: no %N
                long host = System.currentTimeMillis() / 1000;
                assertTrue(
                        Math.abs(guest - host) <= 2,
                        clone + ": the guest's clock says " + guest + ", the host's " + host);
            }
            String firstRandom = random(first);
            String secondRandom = random(second);
            assertEquals(32, firstRandom.length(), firstRandom);
            assertNotEquals(firstRandom, secondRandom, "two clones read the same bytes from /dev/urandom");
        }
    }

    @Test
    void aPoolFillsFromTheTemplate() throws Exception {
        try (SandboxPool pool = SandboxPool.of(template::start, 2)) {
            assertTrue(pool.awaitWarm(WARM), pool.toString());
            try (Sandbox sandbox = pool.take()) {
                assertEquals("pooled\n", sandbox.exec("echo", "pooled").stdoutText());
            }
            assertTrue(pool.awaitWarm(WARM), "refilled: " + pool);
        }
    }

    /**
     * Clones made and closed one after another leave no file descriptor, thread or mapping behind: the
     * counts after the last equal those after the first (which warmed up the JVM's own lazily created ones).
     */
    @Test
    void clonesMadeAndClosedLeaveNothingBehind() throws Exception {
        cycle();
        long fds = count(Path.of("/proc/self/fd"));
        int threads = Thread.activeCount();
        long maps = Files.readAllLines(Path.of("/proc/self/maps")).size();
        for (int i = 1; i < LEAK_CYCLES; i++) cycle();
        assertEquals(fds, count(Path.of("/proc/self/fd")), "file descriptors after " + LEAK_CYCLES + " clones");
        assertTrue(Thread.activeCount() <= threads, "threads: " + threads + " then " + Thread.activeCount());
        long mapsAfter = Files.readAllLines(Path.of("/proc/self/maps")).size();
        // The JIT and the heap map and unmap on their own; a clone's guest RAM or native state would add
        // several mappings per clone, so 50 clones leaking would add well over this.
        assertTrue(mapsAfter <= maps + 20, "mappings: " + maps + " then " + mapsAfter);
    }

    private static void cycle() {
        long start = System.nanoTime();
        Sandbox sandbox = template.start();
        long started = System.nanoTime();
        assertEquals("ok\n", sandbox.exec("echo", "ok").stdoutText());
        long ran = System.nanoTime();
        sandbox.close();
        assertFalse(sandbox.isAlive());
        System.err.printf(
                "clone: start %d ms, exec %d ms, close %d ms%n",
                (started - start) / 1_000_000, (ran - started) / 1_000_000, (System.nanoTime() - ran) / 1_000_000);
    }

    private static String random(Sandbox sandbox) {
        return sandbox.exec("sh", "-c", "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'")
                .stdoutText()
                .strip();
    }

    private static long count(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.count();
        }
    }
}
