package io.vmm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.guests.BundledGuest;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract with kvm-unit-tests' own harness (run_tests.sh with QEMU= pointing at vmm4j): every
 * probe it makes and every pattern it greps, taken from its scripts, run against {@code vmm4j qemu}
 * exactly as the launcher runs it. The scripts (kvm-unit-tests/kvm-unit-tests upstream):
 * scripts/arch-run.bash (search_qemu_binary, run_qemu), scripts/vmm.bash (qemu_fixup_return_code,
 * qemu_parse_premature_failure, qemu_probe_maxsmp), scripts/runtime.bash (run, extract_summary),
 * x86/run and x86/unittests.cfg. Keep this test in step with them: it is what "runs unchanged" means.
 */
class KvmUnitTestsHarnessTest {
    /** x86/run with scripts/runtime.bash: "-kernel T.flat -smp N [qemu_params] -append 'ARGS'" follows this. */
    private static final List<String> X86_RUN = List.of(
            "--no-reboot",
            "-nodefaults",
            "-global",
            "kvm-pit.lost_tick_policy=discard",
            "-device",
            "pc-testdev",
            "-device",
            "isa-debug-exit,iobase=0xf4,iosize=0x4",
            "-display",
            "none",
            "-serial",
            "stdio",
            "-machine",
            "accel=kvm");
    /** The kernel name runtime.bash's premature_failure passes: the command line must fail on it alone. */
    private static final String NO_FILE = "_NO_FILE_4Uhere_";
    /** scripts/vmm.bash, qemu_parse_premature_failure: grep -q -e "[Cc]ould not \\(load\\|open\\) kernel" ... */
    private static final Pattern KERNEL_LOAD_TRIED =
            Pattern.compile("[Cc]ould not (load|open) kernel|error loading|failed to load");

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
        /** What run_qemu's {@code 2> >(tee /dev/stderr)} and {@code |&} see together. */
        String both() {
            return out + err;
        }
    }

    private static Run qemu(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> command = new ArrayList<>(List.of("qemu"));
        command.addAll(args);
        int status = new Main(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        Kvm.DEFAULT_DEVICE)
                .run(command.toArray(String[]::new));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static Run qemu(String... args) {
        return qemu(List.of(args));
    }

    /** One test's command line as x86/run builds it, with run_qemu's "-initrd ENV" at the end. */
    private static List<String> testCommand(String kernel, int smp, String qemuParams, String append, Path environ) {
        List<String> command = new ArrayList<>(X86_RUN);
        command.addAll(List.of("-kernel", kernel, "-smp", Integer.toString(smp)));
        if (!qemuParams.isEmpty()) command.addAll(Arrays.asList(qemuParams.split(" ")));
        command.addAll(List.of("-append", append, "-initrd", environ.toString()));
        return command;
    }

    /** The environment file initrd_create writes: env lines of QEMU_ACCEL, QEMU_VERSION_STRING, KERNEL_... */
    private Path environ() throws IOException {
        return Files.writeString(
                dir.resolve("environ"),
                "QEMU_ACCEL=kvm\nQEMU_VERSION_STRING="
                        + qemu("-h").out().lines().findFirst().orElse("")
                        + "\nKERNEL_VERSION_STRING=6.1.0\nKERNEL_VERSION=6\nKERNEL_PATCHLEVEL=1\n");
    }

    /** True when runtime.bash would skip the test as a premature failure of QEMU. */
    private static boolean prematureFailure(Run run) {
        return run.both()
                .lines()
                .noneMatch(line -> line.contains(NO_FILE)
                        && KERNEL_LOAD_TRIED.matcher(line).find());
    }

    @Test
    void searchQemuBinaryFindsQemuInTheHelp() {
        // arch-run.bash: if $qemucmd --help 2>/dev/null | grep -q 'QEMU'; then
        for (String help : List.of("--help", "-h")) {
            Run run = qemu(help);
            assertEquals(0, run.status(), help);
            assertTrue(run.out().contains("QEMU"), run.out());
        }
    }

    @Test
    void deviceListHasTheTestDevicesQuotedAsQemuPrintsThem() {
        // x86/run: ${qemu} -device '?' 2>&1 | grep -F -e \"testdev\" -e \"pc-testdev\"
        Run run = qemu("-device", "?");
        assertEquals(0, run.status());
        assertTrue(run.both().contains("\"pc-testdev\""), run.both());
        assertTrue(run.both().contains("name \"isa-debug-exit\", bus ISA\n"), run.both());
        // x86/run adds -device pci-testdev when grep -F "pci-testdev" finds it; vmm4j has no PCI.
        assertFalse(run.both().contains("pci-testdev"), run.both());
        assertEquals(run.out(), qemu("-device", "help").out());
    }

    @Test
    void maxSmpProbeReadsTheLimitFromQemusMessage() {
        // vmm.bash, qemu_probe_maxsmp: smp=$($runtime_arch_run _NO_FILE_4Uhere_ -smp $MAX_SMP |& grep 'SMP CPUs');
        //   smp=${smp##* }; smp=${smp/\(}; smp=${smp/\)}
        Run run = qemu("-kernel", NO_FILE, "-smp", "1024");
        assertEquals(1, run.status());
        String line = run.both()
                .lines()
                .filter(l -> l.contains("SMP CPUs"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no 'SMP CPUs' line: " + run.both()));
        String max = line.substring(line.lastIndexOf(' ') + 1).replace("(", "").replace(")", "");
        assertEquals("255", max, line);
        assertFalse(prematureFailure(qemu("-kernel", NO_FILE, "-smp", max)), "the maximum itself is accepted");
    }

    @Test
    void everyQemuParamsOfTheTestTableThatVmm4jSupportsPassesThePrematureFailureProbe() throws IOException {
        Path environ = environ();
        // runtime.bash: premature_failure runs the whole command line with _NO_FILE_4Uhere_ as the kernel.
        for (String params : List.of(
                "",
                "-cpu qemu64,+x2apic,+tsc-deadline",
                "-cpu qemu64,-x2apic,+tsc-deadline",
                "-cpu qemu64,+x2apic",
                "-cpu qemu64",
                "-cpu max",
                "-cpu host",
                "-cpu max,+svm -m 4g",
                "-cpu max,+svm -overcommit cpu-pm=on -m 4g",
                "-cpu qemu64,+pcid,+invpcid",
                "-cpu qemu64,-pcid,+invpcid",
                "-cpu qemu64,+umip",
                "-cpu kvm64,+rdtscp",
                "-cpu max,+vmx -m 2048",
                "-m 2048",
                "-M q35",
                "-machine pit=off",
                "-enable-kvm -m 2048 -cpu host",
                "--append 10000000")) {
            Run run = qemu(testCommand(NO_FILE, 2, params, "", environ));
            assertFalse(prematureFailure(run), params + " -> " + run.both());
            assertEquals(1, run.both().lines().count(), run.both());
        }
    }

    @Test
    void whatVmm4jCannotDoIsOneLineTheHarnessReportsAsTheSkipReason() throws IOException {
        Path environ = environ();
        // runtime.bash prints the last line of a premature failure as the SKIP reason.
        for (String params : List.of(
                "-cpu qemu64 -machine kernel_irqchip=split",
                "-cpu max,vendor=GenuineIntel",
                "-cpu kvm64,hv_vpindex,hv_synic -device hyperv-testdev",
                "-machine vmport=on -cpu max",
                "-M q35,kernel-irqchip=split -device intel-iommu,intremap=on,eim=off -device edu",
                "-cpu IvyBridge,phys-bits=36,host-phys-bits=off")) {
            Run run = qemu(testCommand(NO_FILE, 1, params, "", environ));
            assertEquals(1, run.status(), params);
            assertTrue(prematureFailure(run), params + " -> " + run.both());
            assertEquals(1, run.both().lines().count(), params + " -> " + run.both());
        }
    }

    @Test
    void otherGlobalsAreRefusedNamingTheOneSupported() {
        Run run = qemu("-global", "PIIX4_PM.disable_s3=1", "-kernel", NO_FILE);
        assertEquals(1, run.status());
        assertEquals(1, run.err().lines().count(), run.err());
        assertTrue(
                run.err().contains("PIIX4_PM.disable_s3=1") && run.err().contains("kvm-pit.lost_tick_policy"),
                run.err());
        assertFalse(prematureFailure(qemu("-global", "kvm-pit.lost_tick_policy=delay", "-kernel", NO_FILE)));
    }

    @Test
    @RequiresKvm
    void aMultibootTestRunsAndPassesAsTheHarnessJudgesIt() throws IOException {
        Path kernel = Files.write(dir.resolve("mbtest.flat"), BundledGuest.MULTIBOOT.image());
        Path environ = environ();
        Run run = qemu(testCommand(
                kernel.toString(), 2, "-cpu qemu64,+x2apic,+tsc-deadline -machine pit=off", "first second", environ));
        String console = run.out();
        // vmm.bash, qemu_fixup_return_code: status 1 with nothing on stderr is SUCCESS; with stderr, a QEMU failure.
        assertEquals(1, run.status(), "console:\n" + console + "\nstderr:\n" + run.err());
        assertEquals("", run.err());
        // runtime.bash, extract_summary: tail -3 | grep '^SUMMARY: '
        List<String> lines = console.lines().toList();
        List<String> tail = lines.subList(Math.max(0, lines.size() - 3), lines.size());
        assertTrue(tail.stream().anyMatch(line -> line.matches("SUMMARY: \\d+ tests")), console);
        // The harness's log parsing reads PASS:, FAIL: and SKIP: at the start of a line.
        assertTrue(lines.stream().noneMatch(line -> line.indexOf("PASS: ") > 0 || line.indexOf("FAIL: ") > 0), console);
        assertTrue(lines.stream().filter(line -> line.startsWith("PASS: ")).count() >= 10, console);
        assertTrue(console.contains("multiboot: cmdline=" + kernel + " first second\n"), console);
        assertTrue(console.contains("multiboot: environ lines=5\n"), console);
        assertTrue(console.contains("pc-testdev: scratch=0xcafe5a0d\n"), console);
        assertTrue(console.contains("pit: absent\n"), "-machine pit=off leaves the PIT out:\n" + console);
        assertFalse(console.contains("FAIL"), console);
        // qemu64 (SSE3, CX16; x2apic as under KVM), +tsc-deadline, and the hypervisor bit; nothing in leaf 7;
        // LM, SYSCALL, NX and LAHF_LM, no SVM: QEMU's qemu64 under KVM.
        assertTrue(console.contains("cpuid: 1.ecx=0x81202001 "), console);
        assertTrue(
                console.contains(
                        " 7.ebx=0x00000000 7.ecx=0x00000000 80000001.ecx=0x00000001 80000001.edx=0x20100800\n"),
                console);
    }

    @Test
    @RequiresKvm
    void minusX2apicClearsItFromQemu64() throws IOException {
        Path kernel = Files.write(dir.resolve("mbtest.flat"), BundledGuest.MULTIBOOT.image());
        // x86/unittests.cfg [apic] variants: -cpu qemu64,-x2apic,+tsc-deadline
        Run run = qemu(testCommand(kernel.toString(), 1, "-cpu qemu64,-x2apic,+tsc-deadline", "x", environ()));
        assertEquals(1, run.status(), run.out() + run.err());
        assertTrue(run.out().contains("cpuid: 1.ecx=0x81002001 "), run.out());
    }

    @Test
    @RequiresKvm
    void withoutPitOffThePitIsThereAndDiscardsLostTicks() throws IOException {
        Path kernel = Files.write(dir.resolve("mbtest.flat"), BundledGuest.MULTIBOOT.image());
        // The harness's own -global kvm-pit.lost_tick_policy=discard: KVM_REINJECT_CONTROL on a real PIT.
        Run run = qemu(testCommand(kernel.toString(), 1, "-cpu max", "x", environ()));
        assertEquals(1, run.status(), run.out() + run.err());
        assertEquals("", run.err());
        assertTrue(run.out().contains("pit: present\n"), run.out());
    }
}
