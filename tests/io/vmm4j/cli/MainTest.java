package io.vmm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process: exit status, standard output and standard error. */
class MainTest {
    /** One command line's outcome. */
    private record Outcome(int status, String out, String err) {
        /** Error lines must be short and plain: no stack trace reaches the user. */
        void assertErrorMentions(String... parts) {
            for (String part : parts) assertTrue(err.contains(part), "stderr lacks '" + part + "': " + err);
            assertTrue(!err.contains("Exception") && !err.contains("\tat "), "stderr has a stack trace: " + err);
        }
    }

    private static Outcome vmm4j(String... args) {
        return vmm4jWithDevice(Path.of("/dev/kvm"), args);
    }

    private static Outcome vmm4jWithDevice(Path kvmDevice, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = new Main(outStream, errStream, kvmDevice).run(args);
        }
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @RequiresKvm
    void runWithoutOptionsBootsTheDemoGuestAndExitsZero() {
        Outcome outcome = vmm4j("run");
        assertEquals("Hello from vmm4j guest\n", outcome.out());
        assertEquals("", outcome.err());
        assertEquals(0, outcome.status());
    }

    @Test
    @RequiresKvm
    void realModeGuestBootsInRealModeWithOneMiB() {
        Outcome outcome = vmm4j("run", "--guest", "realmode-hello", "--mem=1");
        assertEquals("Hello from real mode\n", outcome.out());
        assertEquals(0, outcome.status());
    }

    @Test
    @RequiresKvm
    void guestThatDoesNotHaltExitsOneWithTheReason() {
        Outcome outcome = vmm4j("run", "--guest", "triple-fault");
        assertEquals("triple-fault: going down\n", outcome.out());
        assertEquals(1, outcome.status());
        assertEquals(1, outcome.err().lines().count(), outcome.err());
        outcome.assertErrorMentions("SHUTDOWN");
    }

    @Test
    void unknownOptionExitsTwoNamingIt() {
        Outcome outcome = vmm4j("run", "--frobnicate");
        assertEquals(2, outcome.status());
        outcome.assertErrorMentions("--frobnicate", "vmm4j run --help");
        assertEquals("", outcome.out());
    }

    @Test
    void badMemoryValueExitsTwoNamingOptionAndValue() {
        Outcome outcome = vmm4j("run", "--mem", "lots");
        assertEquals(2, outcome.status());
        outcome.assertErrorMentions("--mem", "'lots'", "whole number");
        assertEquals(2, vmm4j("run", "--mem=0").status());
        vmm4j("run", "--mem").assertErrorMentions("--mem needs a value");
    }

    @Test
    void guestNeedingDevicesIsRefused() {
        Outcome outcome = vmm4j("run", "--guest", "mmio-echo");
        assertEquals(2, outcome.status());
        outcome.assertErrorMentions("mmio-echo", "hello, realmode-hello, triple-fault");
        vmm4j("run", "--guest", "nope").assertErrorMentions("'nope' is not a bundled guest");
    }

    @Test
    void unavailableKvmExitsOneNamingTheDevice() {
        Outcome outcome = vmm4jWithDevice(Path.of("/nonexistent/kvm"), "run");
        assertEquals(1, outcome.status());
        assertEquals(1, outcome.err().lines().count(), outcome.err());
        outcome.assertErrorMentions("/nonexistent/kvm");
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        Outcome run = vmm4j("run", "--help");
        assertEquals(0, run.status());
        assertTrue(run.out().startsWith("Usage: vmm4j run"), run.out());
        assertTrue(run.out().contains("--mem MiB"), run.out());
        Outcome top = vmm4j("--help");
        assertEquals(0, top.status());
        assertTrue(top.out().contains("  run "), top.out());
    }

    @Test
    void missingOrUnknownCommandExitsTwo() {
        Outcome none = vmm4j();
        assertEquals(2, none.status());
        assertTrue(none.err().startsWith("Usage: vmm4j COMMAND"), none.err());
        Outcome unknown = vmm4j("boot");
        assertEquals(2, unknown.status());
        unknown.assertErrorMentions("unknown command 'boot'");
    }

    @Test
    @RequiresKvm
    void aMissingKernelIsOneClearLine() {
        Outcome outcome = vmm4j("run", "--kernel", "/nonexistent/vmlinuz");
        assertEquals(1, outcome.status());
        outcome.assertErrorMentions("/nonexistent/vmlinuz");
        assertEquals(1, outcome.err().lines().count(), outcome.err());
    }

    @Test
    @RequiresKvm
    void aFileThatIsNotAKernelIsOneClearLine(@TempDir Path directory) throws Exception {
        Path notAKernel = Files.writeString(directory.resolve("notes.txt"), "not a kernel at all\n".repeat(100));
        Outcome outcome = vmm4j("run", "--kernel", notAKernel.toString());
        assertEquals(1, outcome.status());
        outcome.assertErrorMentions(notAKernel.toString());
        assertEquals(1, outcome.err().lines().count(), outcome.err());
    }

    @Test
    void kernelOptionsNeedAKernel() {
        Outcome outcome = vmm4j("run", "--cmdline", "console=ttyS0");
        assertEquals(2, outcome.status());
        outcome.assertErrorMentions("--kernel");
        assertEquals(2, vmm4j("run", "--guest", "hello", "--kernel", "/x").status());
        assertEquals(2, vmm4j("run", "--kernel", "/x", "--cpus", "0").status());
    }
}
