package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A pool of one: it hands out its warm sandbox at once, boots a replacement, and closes everything it made. */
@RequiresKvm
@ExtendWith(PreparedSandboxImage.class)
class SandboxPoolTest {
    /** A boot is about 20-40 s in the nested-KVM VM. */
    private static final Duration BOOT = Duration.ofMinutes(4);

    @Test
    void handsOutAWarmSandboxAtOnceRefillsAndClosesWhatItMade() throws Exception {
        Sandbox taken;
        Sandbox second;
        try (SandboxPool pool = SandboxPool.of(Sandbox.builder().memoryMiB(128), 1)) {
            assertTrue(pool.awaitWarm(BOOT), pool.toString());
            long start = System.nanoTime();
            taken = pool.take();
            Duration handOut = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(handOut.compareTo(Duration.ofSeconds(1)) < 0, "handed out at once: " + handOut);
            assertEquals("pooled\n", taken.exec("echo", "pooled").stdoutText());

            assertTrue(pool.awaitWarm(BOOT), "refilled: " + pool);
            assertEquals(2, pool.createdCount());
            second = pool.take();
            assertNotSame(taken, second);
            assertEquals("second\n", second.exec("echo", "second").stdoutText());
            second.close(); // closed by its user: the pool forgets it
            System.out.println("SandboxPoolTest: handed out in " + handOut.toNanos() / 1000 + " µs; " + pool);
        }
        assertFalse(taken.isAlive(), "the pool closed the sandbox it handed out");
        assertThrows(SandboxClosedException.class, () -> taken.exec("true"));
        assertFalse(second.isAlive());
    }
}
