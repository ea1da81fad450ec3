package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sandboxes started, used and closed one after another return every fd and thread and leave RSS flat.
 *
 * <p>How many: {@value #CYCLES} on a host with its own /dev/kvm, where a sandbox starts in about a second.
 * In the nested-KVM test VM a start is a Linux boot under emulation (7.5 s each, measured with the kernel
 * already decompressed), so 50 would take over 6 minutes of the CI's 30; there it runs {@value
 * #NESTED_CYCLES}, which still catches one fd or one thread
 * per sandbox exactly (the sets must be equal), and RSS growth of more than {@value #ALLOWED_RSS_GROWTH_KIB}
 * KiB. {@code -Dvmm4j.sandbox.leak.cycles=N} overrides both.
 */
@RequiresKvm
@ExtendWith(PreparedSandboxImage.class)
class SandboxLeakTest {
    private static final int CYCLES = 50;
    private static final int NESTED_CYCLES = 10;
    private static final int WARMUP = 1;
    /** The guest's RAM is MAP_NORESERVE and unmapped at close; what is left is the JVM's own drift. */
    private static final long ALLOWED_RSS_GROWTH_KIB = 16 * 1024;

    @Test
    @Timeout(1500)
    void startedAndClosedSandboxesLeakNoFdsNoThreadsAndLittleMemory(Hypervisor kvm) throws Exception {
        int cycles = Integer.getInteger(
                "vmm4j.sandbox.leak.cycles", System.getenv("VMM4J_IN_KVM_VM") != null ? NESTED_CYCLES : CYCLES);
        Sandbox.Builder builder = Sandbox.builder().hypervisor(kvm).memoryMiB(128);
        for (int i = 0; i < WARMUP; i++) cycle(builder, i);
        System.gc();
        Set<String> fdsBefore = openFds();
        Set<String> threadsBefore = threadNames();
        long rssBefore = statusKib("VmRSS:");
        long start = System.nanoTime();
        for (int i = 0; i < cycles; i++) cycle(builder, i);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.gc();
        assertEquals(fdsBefore, openFds(), "open file descriptors after " + cycles + " sandboxes");
        assertEquals(threadsBefore, threadNames(), "threads after " + cycles + " sandboxes");
        long growth = statusKib("VmRSS:") - rssBefore;
        assertTrue(growth < ALLOWED_RSS_GROWTH_KIB, "RSS grew by " + growth + " KiB over " + cycles + " sandboxes");
        System.out.println("SandboxLeakTest: " + cycles + " sandboxes in " + took.toSeconds() + " s, RSS "
                + (growth >= 0 ? "+" : "") + growth + " KiB");
    }

    private static void cycle(Sandbox.Builder builder, int i) {
        try (Sandbox sandbox = builder.start()) {
            assertEquals(i + "\n", sandbox.exec("echo", String.valueOf(i)).stdoutText());
        }
    }

    /** The targets of this process's fds ("anon_inode:kvm-vm", "/dev/kvm", "pipe:[...]"), with their numbers. */
    private static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                        try {
                            return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
                        } catch (IOException e) {
                            return fd.getFileName() + " (closed while listing)";
                        }
                    })
                    .filter(fd -> !fd.contains("/proc/self/fd") && !fd.contains("closed while listing"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The names of live threads that vmm4j starts (vCPUs, the agent reader, the watcher, the I/O thread). */
    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.startsWith("vmm4j"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static long statusKib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
