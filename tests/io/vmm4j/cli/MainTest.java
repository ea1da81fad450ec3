package io.vmm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.boot.TestImages;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    private static final Path NO_KVM = Path.of("/nonexistent/kvm");

    private static Outcome vmm4j(String... args) {
        return vmm4jWithDevice(Path.of("/dev/kvm"), args);
    }

    /** Inputs are checked before KVM is opened: on a host without it, a bad input is still named. */
    private static Outcome vmm4jWithoutKvm(String... args) {
        return vmm4jWithDevice(NO_KVM, args);
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
        assertTrue(run.out().contains("--disk FILE[,ro]") && run.out().contains("--rng"), run.out());
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
    void aMissingKernelIsOneClearLine() {
        Outcome outcome = vmm4jWithoutKvm("run", "--kernel", "/nonexistent/vmlinuz");
        assertEquals(1, outcome.status());
        outcome.assertErrorMentions("/nonexistent/vmlinuz");
        assertEquals(1, outcome.err().lines().count(), outcome.err());
    }

    @Test
    void aFileThatIsNotAKernelIsOneClearLine(@TempDir Path directory) throws Exception {
        Path notAKernel = Files.writeString(directory.resolve("notes.txt"), "not a kernel at all\n".repeat(100));
        Outcome outcome = vmm4jWithoutKvm("run", "--kernel", notAKernel.toString());
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

    /** A small ELF vmlinux: enough for the kernel check to pass, so the options after it are checked. */
    private static Path kernel(Path directory) throws Exception {
        return Files.write(
                directory.resolve("vmlinux"),
                TestImages.elf(0x100_0000, 0x100_0000, 0x100_0000, new byte[0x1000], 0, null));
    }

    private static Outcome runWithDisk(Path directory, String disk) throws Exception {
        return vmm4jWithoutKvm("run", "--kernel", kernel(directory).toString(), "--disk", disk);
    }

    /** One line on stderr naming the disk's file and the problem, exit 1, and not a word about KVM. */
    private static void assertDiskRefused(Outcome outcome, Path file, String problem) {
        assertEquals(1, outcome.status(), outcome.err());
        assertEquals(1, outcome.err().lines().count(), outcome.err());
        outcome.assertErrorMentions("vmm4j run: ", file.toString(), problem);
        assertFalse(outcome.err().contains("KVM"), outcome.err());
    }

    @Test
    void aMissingOrEmptyInitrdIsOneLineBeforeKvmIsOpened(@TempDir Path directory) throws Exception {
        Path missing = directory.resolve("initrd.img");
        Outcome absent =
                vmm4jWithoutKvm("run", "--kernel", kernel(directory).toString(), "--initrd", missing.toString());
        assertEquals(1, absent.status());
        assertEquals(1, absent.err().lines().count(), absent.err());
        absent.assertErrorMentions(missing + ": no such file");
        Path empty = Files.write(missing, new byte[0]);
        Outcome none = vmm4jWithoutKvm("run", "--kernel", kernel(directory).toString(), "--initrd", empty.toString());
        none.assertErrorMentions(empty.toString(), "the initrd is empty");
        assertFalse(none.err().contains("KVM"), none.err());
    }

    @Test
    void aMissingDiskIsOneLineNamingItBeforeKvmIsOpened(@TempDir Path directory) throws Exception {
        Path missing = directory.resolve("rootfs.ext4");
        assertDiskRefused(runWithDisk(directory, missing.toString()), missing, "does not exist");
        assertDiskRefused(runWithDisk(directory, missing + ",ro"), missing, "does not exist");
    }

    @Test
    void aDiskThatIsADirectoryEmptyOrNotWholeSectorsIsRefused(@TempDir Path directory) throws Exception {
        assertDiskRefused(runWithDisk(directory, directory.toString()), directory, "is a directory");
        Path empty = Files.write(directory.resolve("empty.img"), new byte[0]);
        assertDiskRefused(runWithDisk(directory, empty.toString()), empty, "is empty");
        Path odd = Files.write(directory.resolve("odd.img"), new byte[1000]);
        assertDiskRefused(
                runWithDisk(directory, odd + ",ro"), odd, "1000 bytes, not a whole number of 512-byte sectors");
        Path fifo = directory.resolve("fifo");
        if (new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0) {
            assertDiskRefused(runWithDisk(directory, fifo.toString()), fifo, "is neither a file nor a block device");
        }
    }

    @Test
    void aDiskThatCannotBeWrittenNeedsRo(@TempDir Path directory) throws Exception {
        // A sysfs attribute without a store method: no one may open it for writing, not even root.
        Path readOnly = Path.of("/sys/kernel/notes");
        assumeTrue(Files.isRegularFile(readOnly), readOnly + " does not exist here");
        Outcome outcome = runWithDisk(directory, readOnly.toString());
        assertDiskRefused(outcome, readOnly, "cannot be opened for reading and writing: Permission denied");
        outcome.assertErrorMentions("add ,ro");
    }

    @Test
    void goodDisksAndRngPassTheChecksAndOnlyThenIsKvmOpened(@TempDir Path directory) throws Exception {
        Path root = Files.write(directory.resolve("root.img"), new byte[8192]);
        Path data = Files.write(directory.resolve("data,ro.img"), new byte[512]);
        Outcome outcome = vmm4jWithoutKvm(
                "run", "--kernel", kernel(directory).toString(), "--disk", root + ",ro", "--disk=" + data, "--rng");
        assertEquals(1, outcome.status(), outcome.err());
        assertEquals(1, outcome.err().lines().count(), outcome.err());
        outcome.assertErrorMentions("KVM is unavailable at " + NO_KVM);
    }

    @Test
    void diskAndRngOptionsAreCheckedAsOptions(@TempDir Path directory) throws Exception {
        Outcome noFile = vmm4jWithoutKvm("run", "--kernel", "/x", "--disk", ",ro");
        assertEquals(2, noFile.status());
        noFile.assertErrorMentions("--disk needs a file");
        assertEquals(2, vmm4jWithoutKvm("run", "--kernel", "/x", "--disk").status());
        Outcome rngValue = vmm4jWithoutKvm("run", "--kernel", "/x", "--rng=yes");
        assertEquals(2, rngValue.status());
        rngValue.assertErrorMentions("--rng takes no value");
        Outcome withoutKernel = vmm4jWithoutKvm("run", "--rng");
        assertEquals(2, withoutKernel.status());
        withoutKernel.assertErrorMentions("--disk and --rng go with --kernel");
        assertEquals(
                2,
                vmm4jWithoutKvm("run", "--disk", kernel(directory).toString()).status());
    }

    @Test
    void moreDisksThanVirtioSlotsAreRefusedBeforeKvm(@TempDir Path directory) throws Exception {
        Path disk = Files.write(directory.resolve("disk.img"), new byte[512]);
        List<String> args =
                new ArrayList<>(List.of("run", "--kernel", kernel(directory).toString()));
        for (int i = 0; i <= MemoryLayout.MAX_VIRTIO_DEVICES; i++) args.addAll(List.of("--disk", disk + ",ro"));
        Outcome outcome = vmm4jWithoutKvm(args.toArray(String[]::new));
        assertEquals(1, outcome.status(), outcome.err());
        outcome.assertErrorMentions("at most " + MemoryLayout.MAX_VIRTIO_DEVICES + " virtio devices");
    }
}
