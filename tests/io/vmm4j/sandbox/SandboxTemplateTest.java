package io.vmm4j.sandbox;

import static io.vmm4j.sandbox.ProcessResources.openFds;
import static io.vmm4j.sandbox.ProcessResources.rssKib;
import static io.vmm4j.sandbox.ProcessResources.threadNames;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.agent.ExecResult;
import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.time.Duration;
import java.util.Set;
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

    private static final long MAX_RSS_GROWTH_KIB = 16 * 1024;

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
     * Clones made and closed one after another return every fd and thread and leave RSS flat: the sets after the
     * last equal those after the first (which warmed up what the JVM creates lazily), as in {@link SandboxLeakTest}.
     */
    @Test
    void clonesMadeAndClosedLeaveNothingBehind() throws Exception {
        cycle();
        System.gc();
        Set<String> fds = openFds();
        Set<String> threads = threadNames();
        long rss = rssKib();
        long start = System.nanoTime();
        for (int i = 1; i < LEAK_CYCLES; i++) cycle();
        System.out.println("SandboxTemplateTest: " + (LEAK_CYCLES - 1) + " clones made, used and closed in "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms");
        System.gc();
        assertEquals(fds, openFds(), "file descriptors after " + LEAK_CYCLES + " clones");
        assertEquals(threads, threadNames(), "threads after " + LEAK_CYCLES + " clones");
        long growth = rssKib() - rss;
        // A clone's guest RAM is a private file mapping, unmapped at close; a leaked one would add its touched pages.
        assertTrue(growth < MAX_RSS_GROWTH_KIB, "RSS grew by " + growth + " KiB over " + LEAK_CYCLES + " clones");
    }

    private static void cycle() {
        Sandbox sandbox = template.start();
        assertEquals("ok\n", sandbox.exec("echo", "ok").stdoutText());
        sandbox.close();
        assertFalse(sandbox.isAlive());
    }

    private static String random(Sandbox sandbox) {
        return sandbox.exec("sh", "-c", "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'")
                .stdoutText()
                .strip();
    }
}
