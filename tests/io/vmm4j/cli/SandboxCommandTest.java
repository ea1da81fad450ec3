package io.vmm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.cli.command.Arguments;
import io.vmm4j.cli.command.UsageException;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vmm4j sandbox}, in-process: the command line's errors on any host, and one command in a sandbox. */
class SandboxCommandTest {
    /** The shell's prompt in the default image: root in its home directory. */
    private static final String PROMPT = "/root # ";

    private record Outcome(int status, String out, String err) {}

    private static Outcome vmm4j(String... args) {
        return vmm4jWithStdin("", args);
    }

    /** The command line through {@link Main}, as {@code main} runs it, with {@code stdin} (then its end) as input. */
    private static Outcome vmm4jWithStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            Main main = new Main(
                    outStream,
                    errStream,
                    Path.of("/dev/kvm"),
                    new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            status = main.run(args);
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpListsTheSandboxCommandAndItsActions() {
        assertTrue(vmm4j("--help").out().contains("sandbox"));
        Outcome help = vmm4j("sandbox", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().contains("vmm4j sandbox exec [options] -- COMMAND"), help.out());
    }

    @Test
    void aMissingActionOrCommandIsAUsageError() {
        Outcome none = vmm4j("sandbox");
        assertEquals(Main.EXIT_USAGE, none.status());
        assertTrue(none.err().contains("image, exec or shell"), none.err());
        Outcome noCommand = vmm4j("sandbox", "exec");
        assertEquals(Main.EXIT_USAGE, noCommand.status());
        assertTrue(noCommand.err().contains("exec needs -- COMMAND"), noCommand.err());
        assertEquals(
                Main.EXIT_USAGE,
                vmm4j("sandbox", "exec", "--mem", "1", "--", "true").status());
    }

    @Test
    void anImageThatWasNotPreparedIsOneLineSayingHowToPrepareIt(@TempDir Path empty) {
        Outcome outcome = vmm4j("sandbox", "exec", "--cache", empty.toString(), "--", "true");
        assertEquals(Main.EXIT_FAILURE, outcome.status());
        assertTrue(outcome.err().contains("./vmm4j sandbox image"), outcome.err());
        assertEquals(1, outcome.err().strip().lines().count(), outcome.err());
    }

    @Test
    @RequiresKvm
    void execPrintsTheCommandsOutputAndExitsWithItsStatus() {
        DebianPackages.sandboxImage(); // the cache -Dvmm4j.cache names
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            SandboxCommand command = new SandboxCommand(
                    Path.of("/dev/kvm"), new ByteArrayInputStream("from stdin".getBytes(StandardCharsets.UTF_8)));
            status = command.run(
                    new Arguments(List.of(
                            "exec",
                            "--stdin",
                            "--env",
                            "WHO=cli",
                            "--",
                            "sh",
                            "-c",
                            "echo $WHO; cat; echo; echo to-stderr >&2; exit 7")),
                    outStream,
                    errStream);
        } catch (UsageException e) {
            throw new AssertionError(e);
        }
        assertEquals(7, status, err.toString(StandardCharsets.UTF_8));
        assertEquals("cli\nfrom stdin\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("to-stderr\n", err.toString(StandardCharsets.UTF_8));
    }

    /** {@code sh -i} on pipes: its banner and its prompts ({@code /root # }) go to stdout, as busybox ash does. */
    @Test
    @RequiresKvm
    void shellRunsWhatStandardInputSaysAndExitsWithTheShellsStatus() {
        DebianPackages.sandboxImage();
        Outcome exit3 = vmm4jWithStdin("echo hi; echo oops >&2; exit 3\necho never\n", "sandbox", "shell");
        assertEquals(3, exit3.status(), exit3.err());
        assertTrue(exit3.out().contains("BusyBox"), exit3.out());
        assertTrue(exit3.out().endsWith(PROMPT + "hi\n"), exit3.out());
        assertTrue(exit3.err().contains("oops"), exit3.err());
        assertFalse(exit3.out().contains("never"), exit3.out());
    }

    @Test
    @RequiresKvm
    void shellEndsWithStandardInputAfterTheCommandsItRead() {
        DebianPackages.sandboxImage();
        // No exit: the shell reads the line, runs it to its end (the sleep outlives stdin), then sees end of input
        // and exits with the last command's status, as POSIX says.
        Outcome eof = vmm4jWithStdin("echo first; sleep 2; echo second; (exit 5)\n", "sandbox", "shell");
        assertEquals(5, eof.status(), "the last command's status at the end of input: " + eof.err());
        assertTrue(eof.out().endsWith(PROMPT + "first\nsecond\n" + PROMPT), eof.out());
        assertFalse(eof.err().contains("vmm4j"), eof.err());
    }

    @Test
    @RequiresKvm
    void execOfACommandTheGuestLacksIsStatus127AndOneLine() {
        DebianPackages.sandboxImage();
        Outcome missing = vmm4j("sandbox", "exec", "--", "no-such-command", "x");
        assertEquals(SandboxCommand.EXIT_COMMAND_NOT_FOUND, missing.status(), missing.err());
        assertEquals("", missing.out());
        assertTrue(missing.err().contains("no-such-command"), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
    }
}
