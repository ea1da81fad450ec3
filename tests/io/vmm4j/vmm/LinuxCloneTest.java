package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.Template;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.builder.LinuxVmBuilder;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.testing.BusyboxInit;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clones of a running Linux guest (Debian's generic kernel, which has the vmgenid driver, and a busybox
 * init): booted once for the class, snapshotted while a shell loop counts, then restored twice from
 * one {@link Template}. Each clone counts on from where the snapshot was, has the host's wall-clock
 * time, reseeds its RNG from the new VM Generation ID so the two clones' {@code /dev/urandom} differ,
 * and runs commands typed on its console.
 */
@RequiresKvm
class LinuxCloneTest {
    private static final Duration BOOT = Duration.ofMinutes(4);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    // Long enough that a clone whose clock stayed at the snapshot's time is caught.
    private static final Duration ON_DISK = Duration.ofSeconds(12);
    private static final long CLOCK_TOLERANCE_SECONDS = 5;
    private static final String RESEED = "crng reseeded due to virtual machine fork";
    private static final Pattern COUNT = Pattern.compile("VMM4J-COUNT (\\d+)\r?\n");

    private static final String[] INIT = {
        // Snapshot only once the RNG is ready, as a real template would be.
        "end=$(($(date +%s) + 60))",
        "while ! dmesg | grep -q 'crng init done' && [ $(date +%s) -lt $end ]; do sleep 0.1; done",
        "sh -c 'echo $$ > /tmp/counter.pid; i=0; while true; do echo \"VMM4J-COUNT $i\"; i=$((i + 1)); sleep 0.3;"
                + " done' &",
        "echo VMM4J-READY",
        "exec sh",
    };

    @TempDir
    static Path temp;

    private static Path snapshot;
    private static String beforeSnapshot;
    private static long snapshotEpochSeconds;
    private static Template template;

    @BeforeAll
    static void bootAndSnapshot(Hypervisor kvm) throws Exception {
        Path initrd = BusyboxInit.write(temp.resolve("initramfs.cpio"), INIT);
        ConsoleCapture console = new ConsoleCapture();
        snapshot = temp.resolve("snapshot");
        try (LinuxVm linux = LinuxVmBuilder.kernel(DebianPackages.genericKernel())
                .initrd(initrd)
                .commandLine(LinuxVmBuilder.DEFAULT_COMMAND_LINE + " rdinit=/init")
                .memoryMiB(256)
                .console(console)
                .build(kvm)) {
            linux.vm().start();
            assertTrue(console.awaitLine("VMM4J-COUNT 3", BOOT), "the guest never counted to 3:\n" + console.text());
            linux.vm().pause(); // COM1's held output is sent first, so the text is all the guest wrote
            beforeSnapshot = console.text();
            snapshotEpochSeconds = System.currentTimeMillis() / 1000;
            linux.vm().snapshot(snapshot);
        }
        Thread.sleep(ON_DISK.toMillis());
        template = kvm.template(snapshot);
    }

    @AfterAll
    static void closeTemplate() {
        if (template != null) template.close();
    }

    @Test
    void twoClonesCountOnHaveTheHostsTimeTakeInputAndDoNotShareEntropy() throws Exception {
        String first = exerciseClone("first");
        String second = exerciseClone("second");
        assertNotEquals(first, second, "two clones read the same bytes from /dev/urandom");
    }

    /** Runs one clone through the checks; returns 16 bytes it read from /dev/urandom, in hex. */
    private static String exerciseClone(String which) throws Exception {
        ConsoleCapture console = new ConsoleCapture();
        VirtualMachine clone =
                template.newVm(RestoreOptions.builder().output("com1", console).build());
        try {
            long lastBefore = lastCount(beforeSnapshot);
            assertTrue(
                    console.awaitLine("VMM4J-COUNT " + (lastBefore + 3), COMMAND),
                    which + " clone did not count on from " + lastBefore + ":\n" + console.text());
            List<Long> counts = counts(beforeSnapshot + console.text());
            for (int i = 0; i < counts.size(); i++) {
                assertEquals((long) i, counts.get(i), which + " clone: the count skipped or repeated: " + counts);
            }

            // The counter's lines would split the answers' lines (the terminal interleaves writers).
            assertEquals("0", run(clone, console, "VMM4J-STOPPED", "kill $(cat /tmp/counter.pid); echo $?"));
            String date = run(clone, console, "VMM4J-DATE", "date +%s");
            long host = System.currentTimeMillis() / 1000;
            long guest = Long.parseLong(date);
            assertTrue(
                    Math.abs(guest - host) <= CLOCK_TOLERANCE_SECONDS,
                    which + " clone's clock says " + guest + ", the host's " + host + " (snapshot taken at "
                            + snapshotEpochSeconds + ")");

            String reseeds = run(
                    clone,
                    console,
                    "VMM4J-RESEEDS",
                    "end=$(($(date +%s) + 30)); while ! dmesg | grep -q '" + RESEED
                            + "' && [ $(date +%s) -lt $end ]; do sleep 0.1; done; dmesg | grep -c '" + RESEED + "'");
            assertEquals("1", reseeds, which + " clone's kernel did not reseed once from the new VM Generation ID");
            String random = run(clone, console, "VMM4J-RANDOM", "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'");
            assertEquals(32, random.length(), random);
            byte[] id = clone.memory().read(MemoryLayout.VMGENID_ADDRESS, 16);
            assertNotEquals("00000000000000000000000000000000", HexFormat.of().formatHex(id));
            return random;
        } finally {
            clone.close();
        }
    }

    /** Types {@code echo TAG $(command)} on the clone's console; returns the hex digits or number after TAG. */
    private static String run(VirtualMachine clone, ConsoleCapture console, String tag, String command)
            throws InterruptedException {
        clone.serialPort("com1")
                .sendInput(("echo \"" + tag + " $( " + command + " )\"\n").getBytes(StandardCharsets.US_ASCII));
        // "$( " with a space: "$((" would start arithmetic. Only hex digits, so that the terminal's echo of what
        // was typed, split by a count line, is never taken for the answer.
        Pattern line = Pattern.compile("(?m)^" + tag + " ([0-9a-f]+)\r?$");
        long deadline = System.nanoTime() + COMMAND.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher match = line.matcher(console.text());
            if (match.find()) return match.group(1).strip();
            Thread.sleep(20);
        }
        throw new AssertionError("no " + tag + " line for '" + command + "':\n" + console.text());
    }

    private static List<Long> counts(String text) {
        List<Long> counts = new ArrayList<>();
        Matcher match = COUNT.matcher(text);
        while (match.find()) counts.add(Long.parseLong(match.group(1)));
        return counts;
    }

    private static long lastCount(String text) {
        List<Long> counts = counts(text);
        assertTrue(!counts.isEmpty(), "no count before the snapshot:\n" + text);
        return counts.get(counts.size() - 1);
    }
}
