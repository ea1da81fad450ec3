package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.agent.ExecRequest;
import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shutdown hook, in a child JVM on this class path: a program that makes a sandbox template, starts a sandbox
 * from it, leaves a command running in it and returns from {@code main} without closing either. The JVM must still
 * exit (no thread of the sandbox keeps it alive), and the hook must close both on the way out, say so, and leave no
 * file behind (the template's snapshot is in java.io.tmpdir).
 */
@RequiresKvm
@ExtendWith(PreparedSandboxImage.class)
class OpenSandboxesTest {
    private static final String MAIN_RETURNS = "ForgetfulProgram: main returns";

    /** The child: forgets to close its template and its sandbox. */
    public static final class ForgetfulProgram {
        public static void main(String[] args) {
            SandboxTemplate template = SandboxTemplate.create(Sandbox.builder().memoryMiB(128));
            Sandbox sandbox = template.start();
            System.out.println("ForgetfulProgram: " + sandbox.name() + " says "
                    + sandbox.exec("echo", "alive").stdoutText().strip());
            sandbox.start(ExecRequest.of("sleep", "1000")); // still running when the JVM exits
            System.out.println(MAIN_RETURNS);
        }
    }

    @Test
    @Timeout(600)
    void aSandboxLeftOpenIsClosedByTheShutdownHookAndTheJvmStillExits(@TempDir Path dir) throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String java = ProcessHandle.current()
                .info()
                .command()
                .orElse(Paths.get(System.getProperty("java.home"), "bin", "java")
                        .toString());
        List<String> command = new ArrayList<>(List.of(
                java,
                "-Xmx256m",
                "-Djava.io.tmpdir=" + tmp,
                // The CLI's logging: warnings to stderr, with no shutdown hook of log4j's own to race ours.
                "-Dlog4j.provider=org.apache.logging.log4j.simple.internal.SimpleProvider",
                "-Dlog4j2.simplelogLevel=WARN",
                "-Dlog4j2.simplelogLogFile=system.err"));
        String cache = System.getProperty("vmm4j.cache");
        if (cache != null) command.add("-Dvmm4j.cache=" + cache);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ForgetfulProgram.class.getName()));
        Path err = dir.resolve("stderr.txt");
        Process child = new ProcessBuilder(command).redirectError(err.toFile()).start();
        child.getOutputStream().close();

        List<String> out = new ArrayList<>();
        long mainReturned = 0;
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                out.add(line);
                if (line.equals(MAIN_RETURNS)) mainReturned = System.nanoTime();
            }
        }
        boolean exited = child.waitFor(2, TimeUnit.MINUTES);
        long end = System.nanoTime();
        String stderr = Files.readString(err);
        if (!exited) child.destroyForcibly();
        String report = "stdout:\n" + String.join("\n", out) + "\nstderr:\n" + stderr;
        assertTrue(exited, "the child JVM did not exit after main returned:\n" + report);
        assertTrue(mainReturned != 0, report);
        Duration exiting = Duration.ofNanos(end - mainReturned);
        assertEquals(0, child.exitValue(), report);
        assertTrue(out.contains("ForgetfulProgram: template-1-clone-1 says alive"), report);
        assertTrue(
                stderr.contains("1 sandbox was " + OpenSandboxes.CLOSED_AT_SHUTDOWN)
                        && stderr.contains(": template-1-clone-1"),
                "the hook's line:\n" + report);
        assertTrue(stderr.contains("a sandbox template was left open at JVM shutdown; closed"), report);
        assertFalse(stderr.contains("Exception"), report);
        // The hook closes the VM and joins its watcher (bounded at 10 s); the rest is the JVM's own exit.
        assertTrue(exiting.compareTo(Duration.ofSeconds(60)) < 0, "exited " + exiting.toMillis() + " ms after main");
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "files left in the child's java.io.tmpdir");
        }
        System.out.println("OpenSandboxesTest: the child JVM exited " + exiting.toMillis() + " ms after main returned");
    }
}
