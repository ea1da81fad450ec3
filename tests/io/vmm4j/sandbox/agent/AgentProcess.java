package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real agent binary (from the build's resources) run as an ordinary host process, speaking over its
 * stdin/stdout; its own log goes to the test's stderr. Closing it checks that the agent exited by itself and left no
 * process behind, and kills whatever it did leave.
 */
final class AgentProcess implements AutoCloseable {
    private static Path binary;

    final Process process;
    final AgentClient client;

    private AgentProcess(Process process, AgentClient client) {
        this.process = process;
        this.client = client;
    }

    static synchronized Path binary() {
        if (binary == null) {
            try {
                Path dir = Files.createTempDirectory("vmm4j-agent-test");
                dir.toFile().deleteOnExit();
                binary = AgentBinary.extractTo(dir.resolve("vmm4j-agent"));
                binary.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return binary;
    }

    /**
     * A command prefix that runs the agent without CAP_SYS_TIME, so it can never set the host's clock: setpriv for
     * root, nothing otherwise (a user without root has no such capability to drop).
     */
    static String[] withoutClockPrivilege() {
        return without("sys_time");
    }

    /** As {@link #withoutClockPrivilege}, and without CAP_SYS_ADMIN: nor can it feed the host's RNG (RESEED). */
    static String[] withoutClockOrRngPrivilege() {
        return without("sys_time", "sys_admin");
    }

    private static String[] without(String... capabilities) {
        try {
            boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(line -> line.matches("Uid:\\s+0\\s.*"));
            String drop = "-" + String.join(",-", capabilities);
            return root ? new String[] {"setpriv", "--bounding-set", drop, "--inh-caps", drop} : new String[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent process alone, not yet spoken to: for tests that write raw bytes. */
    static Process startRaw(String... prefix) {
        List<String> command = new ArrayList<>(List.of(prefix));
        command.add(binary().toString());
        command.add("--stdio");
        try {
            return new ProcessBuilder(command)
                    .directory(binary().getParent().toFile()) // a stray relative path lands in a temp dir
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent with a connected client; {@code prefix} runs it under another command (setpriv). */
    static AgentProcess start(String... prefix) {
        Process process = startRaw(prefix);
        AgentClient client =
                AgentClient.connect(process.getInputStream(), process.getOutputStream(), Duration.ofSeconds(10));
        return new AgentProcess(process, client);
    }

    /** Whether any process of this process group or session is still alive (zombies count: nobody reaped them). */
    static boolean groupAlive(long id) throws IOException {
        try (var entries = Files.list(Path.of("/proc"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                String stat;
                try {
                    stat = Files.readString(entry.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (Long.parseLong(fields[2]) == id || Long.parseLong(fields[3]) == id) return true;
            }
        }
        return false;
    }

    /** Waits up to 5 s for a process group to be gone. */
    static boolean groupGone(long id) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (groupAlive(id)) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(20);
        }
        return true;
    }

    private static boolean waitFor(Process process) {
        try {
            return process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Ends the session as a host would; the agent must exit 0 and take its commands with it. */
    @Override
    public void close() {
        List<ProcessHandle> descendants = process.descendants().toList();
        client.close();
        boolean exited = waitFor(process);
        List<ProcessHandle> left =
                descendants.stream().filter(ProcessHandle::isAlive).toList();
        if (!exited) process.destroyForcibly();
        left.forEach(ProcessHandle::destroyForcibly);
        assertTrue(exited, "the agent did not exit within 10 s of the end of its input");
        assertTrue(left.isEmpty(), "the agent left processes running: " + left);
        assertEquals(0, process.exitValue(), "the agent's exit status at the end of its input");
    }
}
