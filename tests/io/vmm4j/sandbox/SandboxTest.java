package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.agent.AgentClient;
import io.vmm4j.sandbox.agent.AgentDiedException;
import io.vmm4j.sandbox.agent.AgentException;
import io.vmm4j.sandbox.agent.AgentRequestException;
import io.vmm4j.sandbox.agent.CommandNotFoundException;
import io.vmm4j.sandbox.agent.ExecRequest;
import io.vmm4j.sandbox.agent.ExecResult;
import io.vmm4j.sandbox.agent.Execution;
import io.vmm4j.sandbox.agent.ExitStatus;
import io.vmm4j.sandbox.agent.wire.Protocol;
import io.vmm4j.sandbox.image.DefaultImage;
import io.vmm4j.sandbox.junit.Sandboxed;
import io.vmm4j.sandbox.junit.Sandboxes;
import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One booted sandbox of the default image (a boot costs about 40 s in the nested-KVM VM) runs every check
 * that does not end it; the last test kills its agent and checks what the host reports, then closes it.
 * The sandbox is injected by {@link io.vmm4j.sandbox.junit.SandboxExtension} into a static field.
 */
@RequiresKvm
@ExtendWith(PreparedSandboxImage.class)
@Sandboxes
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxTest {
    private static final long MIB = 1 << 20;

    @Sandboxed(memoryMiB = 512, env = "SANDBOX_VAR=from-the-builder")
    static Sandbox sandbox;

    @Test
    @Order(1)
    void theConsoleLogHoldsInitsLinesAsTextAndAsAStream() throws IOException {
        assertTrue(
                sandbox.console().text().contains(DefaultImage.AGENT_STARTING),
                sandbox.console().text());
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(sandbox.console().stream(), StandardCharsets.ISO_8859_1))) {
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.contains(DefaultImage.AGENT_STARTING));
            assertTrue(line != null, "the stream reached init's line");
        }
        assertFalse(sandbox.agentInfo().agentVersion().isEmpty());
    }

    @Test
    @Order(2)
    void echoExitCodesAndStderr() {
        ExecResult echo = sandbox.exec("echo", "hello", "sandbox");
        assertEquals(0, echo.exitCode());
        assertEquals("hello sandbox\n", echo.stdoutText());
        assertEquals("", echo.stderrText());
        assertEquals(42, sandbox.exec("sh", "-c", "exit 42").exitCode());
        ExecResult stderr = sandbox.exec("sh", "-c", "echo out; echo oops >&2; exit 3");
        assertEquals(3, stderr.exitCode());
        assertEquals("out\n", stderr.stdoutText());
        assertEquals("oops\n", stderr.stderrText());
        ExecResult killed = sandbox.exec("sh", "-c", "kill -TERM $$");
        assertEquals(128 + 15, killed.exitCode(), killed.toString());
        assertEquals(15, killed.status().signal());
    }

    @Test
    @Order(3)
    void environmentFromTheBuilderAndTheCommandAndTheWorkingDirectory() {
        ExecResult env = sandbox.exec(ExecRequest.builder("sh", "-c", "echo \"$SANDBOX_VAR|$COMMAND_VAR|$PATH\"")
                .env("COMMAND_VAR", "from-the-command")
                .build());
        String[] fields = env.stdoutText().strip().split("\\|");
        assertEquals("from-the-builder", fields[0], env.stdoutText());
        assertEquals("from-the-command", fields[1], env.stdoutText());
        assertTrue(fields[2].contains("/bin"), env.stdoutText());
        ExecResult overridden = sandbox.exec(ExecRequest.builder("sh", "-c", "echo $SANDBOX_VAR")
                .env("SANDBOX_VAR", "from-the-command")
                .build());
        assertEquals("from-the-command\n", overridden.stdoutText());
        assertEquals(
                "/tmp\n",
                sandbox.exec(ExecRequest.builder("pwd").cwd("/tmp").build()).stdoutText());
        AgentRequestException noDirectory = assertThrows(
                AgentRequestException.class,
                () -> sandbox.exec(
                        ExecRequest.builder("pwd").cwd("/no/such/dir").build()));
        assertTrue(noDirectory.getMessage().contains("/no/such/dir"), noDirectory.getMessage());
    }

    @Test
    @Order(4)
    void stdinAsBytesAndAsAStream() {
        ExecResult cat = sandbox.exec(ExecRequest.builder("cat")
                .stdin("line one\nline two\n".getBytes(StandardCharsets.UTF_8))
                .build());
        assertEquals("line one\nline two\n", cat.stdoutText());
        byte[] data = random(3 * MIB, 4);
        ExecResult count = sandbox.exec(ExecRequest.builder("sh", "-c", "sha256sum | cut -d' ' -f1")
                .stdin(new ByteArrayInputStream(data))
                .build());
        assertEquals(sha256(data) + "\n", count.stdoutText());
        assertEquals("0\n", sandbox.exec("sh", "-c", "wc -c").stdoutText(), "no stdin: /dev/null");
    }

    @Test
    @Order(5)
    void tenMebibytesOfStdout() {
        ExecResult result = sandbox.exec("sh", "-c", "yes 0123456789abcde | head -c 10485760");
        assertEquals(0, result.exitCode(), result.stderrText());
        byte[] expected = new byte[(int) (10 * MIB)];
        byte[] line = "0123456789abcde\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < expected.length; i++) expected[i] = line[i % line.length];
        assertEquals(expected.length, result.stdout().length);
        assertArrayEquals(expected, result.stdout());
    }

    @Test
    @Order(6)
    void outputStreamsAsItComes() {
        List<Long> arrivals = new ArrayList<>();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        OutputStream stdout = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                arrivals.add(System.nanoTime());
                seen.write(bytes, offset, length);
            }
        };
        ExitStatus status = sandbox.exec(
                ExecRequest.of("sh", "-c", "echo first; sleep 2; echo second"),
                stdout,
                OutputStream.nullOutputStream());
        long end = System.nanoTime();
        assertEquals(0, status.exitCode());
        assertEquals("first\nsecond\n", seen.toString(StandardCharsets.UTF_8));
        assertTrue(
                end - arrivals.get(0) >= Duration.ofMillis(1500).toNanos(),
                "'first' arrived before the command's sleep ended");
    }

    @Test
    @Order(7)
    void concurrentExecs() throws Exception {
        int count = 4;
        ExecutorService threads = Executors.newFixedThreadPool(count);
        try {
            long start = System.nanoTime();
            List<Future<ExecResult>> results = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ExecRequest request = ExecRequest.builder("sh", "-c", "sleep 3; echo $N")
                        .env("N", String.valueOf(i))
                        .build();
                results.add(threads.submit(() -> sandbox.exec(request)));
            }
            for (int i = 0; i < count; i++)
                assertEquals(i + "\n", results.get(i).get().stdoutText());
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(elapsed.compareTo(Duration.ofSeconds(3L * count)) < 0, "they overlapped: " + elapsed);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    @Order(8)
    void aTimeoutKillsTheWholeProcessTree() {
        long start = System.nanoTime();
        ExecResult result = sandbox.exec(ExecRequest.builder("sh", "-c", "sleep 1000 & sleep 1000")
                .timeout(Duration.ofSeconds(2))
                .build());
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(result.timedOut(), result.toString());
        assertEquals(128 + 9, result.exitCode(), result.toString());
        assertTrue(elapsed.compareTo(Duration.ofSeconds(60)) < 0, "ended at the timeout, not the sleep: " + elapsed);
        ExecResult ps = sandbox.exec("ps");
        assertFalse(ps.stdoutText().contains("sleep 1000"), "a sleep survived:\n" + ps.stdoutText());
    }

    @Test
    @Order(9)
    void aCommandThatIsNotThereIsReportedAsSuch() {
        CommandNotFoundException missing =
                assertThrows(CommandNotFoundException.class, () -> sandbox.exec("no-such-command", "x"));
        assertTrue(missing.getMessage().contains("no-such-command"), missing.getMessage());
        assertEquals("still fine\n", sandbox.exec("echo", "still fine").stdoutText());
    }

    @Test
    @Order(10)
    @Timeout(600)
    void aHundredMebibyteFileInAndOut(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("in.bin");
        MessageDigest written = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = Files.newOutputStream(in)) {
            Random random = new Random(100);
            byte[] block = new byte[(int) MIB];
            for (int i = 0; i < 100; i++) {
                random.nextBytes(block);
                written.update(block);
                out.write(block);
            }
        }
        String hash = HexFormat.of().formatHex(written.digest());
        long start = System.nanoTime();
        sandbox.copyFileTo(in, "/tmp/big.bin");
        Duration in100 = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(
                hash + "  /tmp/big.bin\n",
                sandbox.exec("sha256sum", "/tmp/big.bin").stdoutText());
        Path out = dir.resolve("out.bin");
        start = System.nanoTime();
        sandbox.copyFileFrom("/tmp/big.bin", out);
        Duration out100 = Duration.ofNanos(System.nanoTime() - start);
        assertEquals(hash, sha256(out));
        sandbox.exec("rm", "/tmp/big.bin");
        System.out.println("SandboxTest: 100 MiB in " + in100.toMillis() + " ms, out " + out100.toMillis() + " ms");
    }

    @Test
    @Order(11)
    void directoriesAndModes(@TempDir Path dir) throws Exception {
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("sub"));
        Files.writeString(tree.resolve("script.sh"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(tree.resolve("script.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.writeString(tree.resolve("sub/data.txt"), "data\n");
        Files.setPosixFilePermissions(tree.resolve("sub/data.txt"), PosixFilePermissions.fromString("rw-------"));
        sandbox.copyFileTo(tree, "/tmp/tree");
        assertEquals("ran\n", sandbox.exec("/tmp/tree/script.sh").stdoutText());
        assertEquals(
                "750 /tmp/tree/script.sh\n600 /tmp/tree/sub/data.txt\n",
                sandbox.exec("stat", "-c", "%a %n", "/tmp/tree/script.sh", "/tmp/tree/sub/data.txt")
                        .stdoutText());
        sandbox.exec("sh", "-c", "echo made in the guest > /tmp/tree/sub/new.txt");
        Path back = dir.resolve("back");
        sandbox.copyFileFrom("/tmp/tree", back);
        assertEquals("data\n", Files.readString(back.resolve("sub/data.txt")));
        assertEquals("made in the guest\n", Files.readString(back.resolve("sub/new.txt")));
        assertEquals(
                "rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("script.sh"))));
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("sub/data.txt"))));
    }

    @Test
    @Order(12)
    void theGuestKernelTakesAReseed() throws Exception {
        // The sandbox keeps its agent client to itself, so a second agent (the same binary, as root in the same
        // kernel) is started in the guest and spoken to over that command's stdin and stdout.
        Pipe toAgent = Pipe.open();
        Pipe fromAgent = Pipe.open();
        Execution agent = sandbox.start(ExecRequest.builder("sh", "-c", "exec \"$(readlink /proc/$PPID/exe)\" --stdio")
                .stdin(Channels.newInputStream(toAgent.source()))
                .build());
        ByteArrayOutputStream agentLog = new ByteArrayOutputStream();
        ExecutorService pump = Executors.newSingleThreadExecutor();
        try (AgentClient client = AgentClient.start(
                Channels.newInputStream(fromAgent.source()), Channels.newOutputStream(toAgent.sink()), "reseed")) {
            Future<ExitStatus> exit = pump.submit(() -> {
                try (OutputStream frames = Channels.newOutputStream(fromAgent.sink())) {
                    return agent.await(frames, agentLog);
                }
            });
            client.awaitReady(Duration.ofSeconds(30));
            client.reseed(); // RNDADDENTROPY and RNDRESEEDCRNG on the guest's /dev/urandom
            byte[] seed = new byte[Protocol.MAX_SEED];
            new SecureRandom().nextBytes(seed);
            client.reseed(seed);
            toAgent.sink().close(); // end of input: the second agent exits 0
            assertEquals(0, exit.get(60, TimeUnit.SECONDS).exitCode(), agentLog.toString());
        } finally {
            pump.shutdownNow();
        }
    }

    @Test
    @Order(99)
    void aCallInProgressWhenTheSandboxClosesGetsSandboxClosedException(@Sandboxed(memoryMiB = 128) Sandbox own)
            throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<ExecResult> sleeping = thread.submit(() -> own.exec("sleep", "1000"));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (!own.exec("ps").stdoutText().contains("sleep 1000") && System.nanoTime() < deadline)
                Thread.sleep(100);
            own.close();
            ExecutionException failure = assertThrows(ExecutionException.class, sleeping::get);
            assertTrue(
                    failure.getCause() instanceof SandboxClosedException,
                    failure.getCause().toString());
            assertTrue(
                    failure.getCause().getMessage().contains(own.name()),
                    failure.getCause().getMessage());
            assertFalse(own.isAlive());
        } finally {
            thread.shutdownNow();
        }
    }

    @Test
    @Order(100)
    void anAgentKilledInTheGuestIsReportedWithTheConsoleAndAClosedSandboxSaysSo() throws Exception {
        AgentException died =
                assertThrows(AgentException.class, () -> sandbox.exec("sh", "-c", "kill -9 $(pidof vmm4j-agent)"));
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (sandbox.isAlive() && System.nanoTime() < deadline) Thread.sleep(100);
        assertFalse(sandbox.isAlive());
        AgentDiedException later = assertThrows(AgentDiedException.class, () -> sandbox.exec("true"));
        assertTrue(later.getMessage().contains(DefaultImage.AGENT_EXITED), later.getMessage());
        assertTrue(later.getMessage().contains("the guest stopped"), later.getMessage());
        assertTrue(died instanceof AgentDiedException, died.toString());
        sandbox.close();
        SandboxClosedException closed = assertThrows(SandboxClosedException.class, () -> sandbox.exec("true"));
        assertTrue(closed.getMessage().contains(sandbox.name()), closed.getMessage());
    }

    private static byte[] random(long size, long seed) {
        byte[] bytes = new byte[(int) size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
