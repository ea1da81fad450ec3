package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The host client against the real agent binary, run as a host process over its stdin/stdout. No KVM. */
@Timeout(120)
class AgentClientTest {
    private AgentProcess agent;
    private AgentClient client;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        agent = AgentProcess.start();
        client = agent.client;
    }

    @AfterEach
    void stop() {
        if (agent != null) agent.close();
    }

    @Test
    void agentReportsItsVersionAndAnswersPings() {
        AgentInfo info = client.info();
        assertTrue(info.agentVersion().startsWith("vmm4j-agent "), info.agentVersion());
        assertEquals(1, info.protocolVersion());
        assertTrue(client.ping(Duration.ofSeconds(5)).compareTo(Duration.ofSeconds(5)) < 0);
    }

    @Test
    void echoCollectsStdout() {
        ExecResult result = client.exec(ExecRequest.of("echo", "hello", "world"));
        assertEquals(0, result.exitCode());
        assertEquals("hello world\n", result.stdoutText());
        assertEquals("", result.stderrText());
        assertFalse(result.timedOut());
    }

    @Test
    void exitCodesAndSignalsAreReported() {
        assertEquals(7, client.exec(ExecRequest.of("sh", "-c", "exit 7")).exitCode());
        ExecResult killed = client.exec(ExecRequest.of("sh", "-c", "kill -TERM $$"));
        assertEquals(15, killed.status().signal());
        assertEquals(128 + 15, killed.exitCode());
    }

    @Test
    void stderrIsSeparate() {
        ExecResult result = client.exec(ExecRequest.of("sh", "-c", "echo out; echo oops >&2; exit 1"));
        assertEquals(1, result.exitCode());
        assertEquals("out\n", result.stdoutText());
        assertEquals("oops\n", result.stderrText());
    }

    @Test
    void envAndCwdApplyPerCommand() throws IOException {
        Path cwd = Files.createDirectory(dir.resolve("work dir"));
        ExecResult result = client.exec(ExecRequest.builder("sh", "-c", "echo \"$GREETING\"; pwd")
                .env("GREETING", "hi there")
                .cwd(cwd.toString())
                .build());
        assertEquals("hi there\n" + cwd + "\n", result.stdoutText());
        assertEquals(
                "",
                client.exec(ExecRequest.of("sh", "-c", "printf %s \"$GREETING\""))
                        .stdoutText());
    }

    @Test
    void stdinFromBytesAndFromAStream() {
        ExecResult bytes =
                client.exec(ExecRequest.builder("cat").stdin("abc\n".getBytes()).build());
        assertEquals("abc\n", bytes.stdoutText());

        byte[] big = random(3 * 1024 * 1024 + 17, 1); // several windows both ways through one cat
        ExecResult stream = client.exec(
                ExecRequest.builder("cat").stdin(new ByteArrayInputStream(big)).build());
        assertEquals(0, stream.exitCode());
        assertArrayEquals(big, stream.stdout());

        assertEquals("", client.exec(ExecRequest.of("cat")).stdoutText(), "no stdin is /dev/null");

        // A command that stops reading early: the rest of its stdin is dropped, never held against the window.
        ExecResult early = client.exec(ExecRequest.builder("head", "-c", "1")
                .stdin(new ByteArrayInputStream(big))
                .build());
        assertEquals(0, early.exitCode());
        assertEquals(1, early.stdout().length);
    }

    @Test
    void tenMebibytesOfStdoutStreamAsTheyCome() {
        AtomicLong seen = new AtomicLong();
        AtomicLong writes = new AtomicLong();
        OutputStream counter = new OutputStream() {
            @Override
            public void write(int b) {
                seen.incrementAndGet();
            }

            @Override
            public void write(byte[] b, int off, int len) {
                seen.addAndGet(len);
                writes.incrementAndGet();
            }
        };
        ExitStatus status = client.exec(
                ExecRequest.of("head", "-c", "10485760", "/dev/zero"), counter, OutputStream.nullOutputStream());
        assertEquals(0, status.exitCode());
        assertEquals(10 * 1024 * 1024, seen.get());
        assertTrue(writes.get() >= 160, "delivered in frames of at most 64 KiB, not at once: " + writes.get());

        ExecResult collected = client.exec(ExecRequest.of("head", "-c", "10485760", "/dev/zero"));
        assertEquals(10 * 1024 * 1024, collected.stdout().length);
    }

    @Test
    void concurrentExecsShareTheChannel() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            long start = System.nanoTime();
            List<Future<ExecResult>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String n = Integer.toString(i);
                results.add(pool.submit(() -> client.exec(
                        ExecRequest.of("sh", "-c", "sleep 0.5; head -c 300000 /dev/zero; echo " + n + " >&2"))));
            }
            for (int i = 0; i < 8; i++) {
                ExecResult result = results.get(i).get(30, TimeUnit.SECONDS);
                assertEquals(300000, result.stdout().length);
                assertEquals(i + "\n", result.stderrText());
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMs < 3500, "8 execs of 0.5 s each ran one after another: " + elapsedMs + " ms");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void timeoutKillsTheWholeProcessTree() throws Exception {
        Execution execution = client.start(ExecRequest.builder("sh", "-c", "sleep 1000 & sleep 1000")
                .timeout(Duration.ofMillis(500))
                .build());
        long pid = execution.pid();
        assertTrue(AgentProcess.groupAlive(pid));
        long start = System.nanoTime();
        ExecResult result = execution.await();
        assertTrue(result.timedOut());
        assertEquals(9, result.status().signal());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 5000);
        assertTrue(AgentProcess.groupGone(pid), "a process of the timed-out command's group or session is left");
    }

    @Test
    void signalsGoToTheProcessGroup() throws Exception {
        Execution execution = client.start(ExecRequest.of("sh", "-c", "sleep 1000 & wait"));
        long pid = execution.pid();
        execution.signal(15);
        ExecResult result = execution.await();
        assertEquals(15, result.status().signal());
        assertFalse(result.timedOut());
        assertTrue(AgentProcess.groupGone(pid));
    }

    @Test
    void commandNotFoundIsItsOwnError() {
        CommandNotFoundException e = assertThrows(
                CommandNotFoundException.class, () -> client.exec(ExecRequest.of("no-such-command-vmm4j")));
        assertEquals(2, e.errno());
        assertTrue(e.getMessage().contains("no-such-command-vmm4j: No such file or directory"), e.getMessage());

        ExecFailedException denied =
                assertThrows(ExecFailedException.class, () -> client.exec(ExecRequest.of(dir.toString())));
        assertEquals(13, denied.errno(), denied.getMessage());

        ExecFailedException cwd = assertThrows(
                ExecFailedException.class,
                () -> client.exec(
                        ExecRequest.builder("true").cwd("/no/such/dir").build()));
        assertTrue(cwd.getMessage().contains("chdir /no/such/dir"), cwd.getMessage());
        assertEquals(0, client.exec(ExecRequest.of("true")).exitCode(), "the session goes on");
    }

    @Test
    void hundredMebibyteFileGoesInAndOutStreamed() throws Exception {
        Path source = dir.resolve("source.bin");
        byte[] block = random(1024 * 1024, 7);
        try (OutputStream out = Files.newOutputStream(source)) {
            for (int i = 0; i < 100; i++) {
                block[i] ^= (byte) i; // no two MiB alike
                out.write(block);
            }
        }
        String guestPath = dir.resolve("in-guest.bin").toString();
        client.copyTo(source, guestPath);
        assertEquals(100L * 1024 * 1024, client.stat(guestPath).size());
        Path back = dir.resolve("back.bin");
        client.copyFrom(guestPath, back);
        assertEquals(sha256(source), sha256(back));
        assertEquals(
                sha256(source),
                client.exec(ExecRequest.of("sha256sum", guestPath)).stdoutText().split(" ")[0]);
    }

    @Test
    void directoriesAndModesCopyBothWays() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        Files.writeString(tree.resolve("script.sh"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(tree.resolve("script.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Path sub = Files.createDirectory(tree.resolve("sub"));
        Files.writeString(sub.resolve("secret"), "s3cret");
        Files.setPosixFilePermissions(sub.resolve("secret"), PosixFilePermissions.fromString("rw-------"));
        Files.createDirectory(sub.resolve("empty"));
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwx------"));

        String guestTree = dir.resolve("guest/nested/tree").toString();
        client.mkdirs(dir.resolve("guest/nested").toString(), 0755);
        client.copyTo(tree, guestTree);
        assertEquals(
                "ran\n", client.exec(ExecRequest.of(guestTree + "/script.sh")).stdoutText());
        assertEquals(0750, client.stat(guestTree + "/script.sh").mode());
        assertEquals(0600, client.stat(guestTree + "/sub/secret").mode());
        assertEquals(0700, client.stat(guestTree + "/sub").mode());
        assertEquals(
                GuestFile.Type.DIRECTORY, client.stat(guestTree + "/sub/empty").type());
        List<String> names =
                client.list(guestTree).stream().map(GuestFile::name).sorted().toList();
        assertEquals(List.of("script.sh", "sub"), names);

        Path back = dir.resolve("back");
        client.copyFrom(guestTree, back);
        assertEquals("s3cret", Files.readString(back.resolve("sub/secret")));
        assertEquals(
                "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("sub/secret"))));
        assertEquals(
                "rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve("script.sh"))));
        assertTrue(Files.isDirectory(back.resolve("sub/empty")));
    }

    @Test
    void aLargeDirectoryListsAcrossFrames() throws IOException {
        Path big = Files.createDirectory(dir.resolve("big"));
        for (int i = 0; i < 3000; i++) Files.createFile(big.resolve("file-with-a-rather-long-name-" + i));
        List<GuestFile> entries = client.list(big.toString());
        assertEquals(3000, entries.size());
        assertTrue(entries.stream().allMatch(f -> f.type() == GuestFile.Type.FILE && f.size() == 0));
    }

    @Test
    void fileErrorsNameThePathAndKeepTheSession() {
        AgentRequestException put = assertThrows(
                AgentRequestException.class,
                () -> client.putFile(new ByteArrayInputStream(new byte[1_000_000]), "/no/such/dir/file", 0644));
        assertEquals(2, put.errno());
        assertTrue(put.getMessage().contains("/no/such/dir/file"), put.getMessage());
        AgentRequestException get = assertThrows(
                AgentRequestException.class, () -> client.getFile("/no/such/file", OutputStream.nullOutputStream()));
        assertTrue(get.getMessage().contains("get /no/such/file: No such file or directory"), get.getMessage());
        assertThrows(
                AgentRequestException.class, () -> client.getFile(dir.toString(), OutputStream.nullOutputStream()));
        assertThrows(AgentRequestException.class, () -> client.mkdirs("/proc/self/nope", 0755));
        client.ping(Duration.ofSeconds(5));
    }

    @Test
    void agentKilledIsReported() throws Exception {
        Execution execution = client.start(ExecRequest.of("sleep", "1000"));
        long pid = execution.pid();
        agent.process.destroyForcibly().waitFor();
        AgentDiedException died = assertThrows(AgentDiedException.class, execution::await);
        assertTrue(
                died.getMessage().contains("end of input") || died.getMessage().contains("failed"), died.getMessage());
        assertThrows(AgentDiedException.class, () -> client.exec(ExecRequest.of("true")));
        assertFalse(client.isOpen());
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // an orphan of the killed agent
        agent = null;
    }

    @Test
    void closedClientRefusesCalls() throws Exception {
        agent.close();
        agent = null;
        assertThrows(AgentClosedException.class, () -> client.exec(ExecRequest.of("true")));
        assertThrows(AgentClosedException.class, () -> client.ping(Duration.ofSeconds(1)));
    }

    @Test
    void interruptedWaitCancelsTheCommand() throws Exception {
        Execution execution = client.start(ExecRequest.of("sleep", "1000"));
        long pid = execution.pid();
        Thread.currentThread().interrupt();
        assertThrows(AgentException.class, execution::await);
        assertTrue(Thread.interrupted());
        assertTrue(AgentProcess.groupGone(pid));
        assertEquals(0, client.exec(ExecRequest.of("true")).exitCode());
    }

    static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static String sha256(Path file) throws Exception {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
