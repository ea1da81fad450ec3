package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.InvalidSnapshotException;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.SnapshotReport;
import io.vmm4j.api.Template;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.VmState;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots of the count-out guest, restored into new VMs: exact continuation, clones, diff chains, bad files. */
@RequiresKvm
class SnapshotTest {
    private static final long MEMORY = 4L << 20;
    private static final long COUNTER = BundledGuest.MAILBOX;
    private static final String PORT_DEVICE = "count-port";

    @TempDir
    Path temp;

    /** The host end of count-out's port: checks every value is the previous one plus one. */
    static final class CountRecorder implements IoDevice {
        private long first = -1;
        private long last = -1;
        private String gap;

        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public synchronized void write(long offset, int size, long value) {
            if (first < 0) first = value;
            if (last >= 0 && value != ((last + 1) & 0xffff_ffffL) && gap == null) {
                gap = "after " + last + " came " + value;
            }
            last = value;
        }

        synchronized long first() {
            return first;
        }

        synchronized long last() {
            return last;
        }

        synchronized String gap() {
            return gap;
        }

        void awaitAbove(long floor) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (last() <= floor) {
                assertTrue(System.nanoTime() < deadline, "the count never passed " + floor + " (last " + last() + ")");
                Thread.sleep(2);
            }
        }
    }

    private static VirtualMachine countingVm(Hypervisor kvm, CountRecorder recorder) {
        return countingVm(kvm, recorder, false);
    }

    private static VirtualMachine countingVm(Hypervisor kvm, CountRecorder recorder, boolean irqchip) {
        VirtualMachine vm = kvm.createVm(
                VmConfig.builder().memorySize(MEMORY).irqchip(irqchip).build());
        vm.addIoDevice(PORT_DEVICE, AddressSpace.PIO, BundledGuest.COUNT_PORT, 4, recorder);
        FlatBinaryBoot.load(vm, BundledGuest.COUNT_OUT.image());
        FlatBinaryBoot.enterProtectedMode(vm.createVcpu(0));
        return vm;
    }

    private static RestoreOptions with(CountRecorder recorder) {
        return RestoreOptions.builder().ioDevice(PORT_DEVICE, recorder).build();
    }

    @Test
    void aRestoredCounterGoesOnFromTheExactValue(Hypervisor kvm) throws Exception {
        countsOnExactly(kvm, false);
    }

    /** The same with the in-kernel PICs, IOAPIC, LAPIC and PIT saved and restored too. */
    @Test
    void aRestoredCounterWithTheIrqchipGoesOnFromTheExactValue(Hypervisor kvm) throws Exception {
        countsOnExactly(kvm, true);
    }

    private void countsOnExactly(Hypervisor kvm, boolean irqchip) throws Exception {
        Path snapshot = temp.resolve("s");
        CountRecorder source = new CountRecorder();
        long last;
        try (VirtualMachine vm = countingVm(kvm, source, irqchip)) {
            vm.start();
            source.awaitAbove(200);
            vm.pause();
            last = source.last();
            assertEquals(last, vm.memory().readLong(COUNTER), "the guest stores each count before writing it out");
            SnapshotReport report = vm.snapshot(snapshot);
            assertEquals(VmState.PAUSED, vm.state(), "a paused VM stays paused");
            assertEquals(last, source.last(), "taking the snapshot ran the guest");
            assertEquals(MEMORY, report.memoryFileSize());
            assertTrue(report.memoryBytesWritten() > 0 && report.memoryBytesWritten() < MEMORY, report.toString());
            assertTrue(Files.size(snapshot.resolve("memory")) == MEMORY);
            // The source is not disturbed: resumed, it goes on with the next count.
            vm.resume();
            source.awaitAbove(last + 100);
            assertNull(source.gap(), "the source skipped or repeated a count around the snapshot");
        }
        CountRecorder clone = new CountRecorder();
        try (VirtualMachine restored = kvm.restore(snapshot, with(clone))) {
            assertEquals(VmState.CREATED, restored.state());
            assertEquals(last, restored.memory().readLong(COUNTER));
            restored.start();
            clone.awaitAbove(last + 100);
            assertEquals(last + 1, clone.first(), "the restored guest's first count");
            assertNull(clone.gap(), "the restored guest skipped or repeated a count");
        }
    }

    @Test
    void aRunningVmIsPausedForItsSnapshotAndResumed(Hypervisor kvm) throws Exception {
        CountRecorder source = new CountRecorder();
        try (VirtualMachine vm = countingVm(kvm, source)) {
            vm.start();
            source.awaitAbove(100);
            SnapshotReport report = vm.snapshot(temp.resolve("running"));
            assertEquals(VmState.RUNNING, vm.state());
            assertTrue(report.pauseTime().toNanos() > 0);
            long after = source.last();
            source.awaitAbove(after + 100);
            assertNull(source.gap());
        }
    }

    @Test
    void tenClonesKeepTheirOwnWritesAndLeaveTheMemoryFileAlone(Hypervisor kvm) throws Exception {
        Path snapshot = temp.resolve("template");
        long last;
        try (VirtualMachine vm = countingVm(kvm, new CountRecorder())) {
            vm.start();
            Thread.sleep(50);
            vm.pause();
            last = vm.memory().readLong(COUNTER);
            vm.snapshot(snapshot);
        }
        Path memoryFile = snapshot.resolve("memory");
        String hashBefore = sha256(memoryFile);
        long[] addresses = {0x7000, 0x100000, MEMORY - 4096};
        byte[] image = BundledGuest.COUNT_OUT.image();
        List<VirtualMachine> clones = new ArrayList<>();
        List<CountRecorder> recorders = new ArrayList<>();
        try (Template template = kvm.template(snapshot)) {
            for (int i = 0; i < 10; i++) {
                CountRecorder recorder = new CountRecorder();
                recorders.add(recorder);
                clones.add(template.newVm(with(recorder)));
            }
            for (int i = 0; i < 10; i++) {
                assertEquals(VmState.RUNNING, clones.get(i).state());
                recorders.get(i).awaitAbove(last + 20);
            }
            for (int i = 0; i < 10; i++) {
                clones.get(i).pause();
                for (long address : addresses)
                    clones.get(i).memory().writeLong(address, 0x1111_1111_1111_1111L * (i + 1));
            }
            for (int i = 0; i < 10; i++) {
                VirtualMachine clone = clones.get(i);
                for (long address : addresses) {
                    assertEquals(
                            0x1111_1111_1111_1111L * (i + 1),
                            clone.memory().readLong(address),
                            "clone " + i + " at 0x" + Long.toHexString(address));
                }
                byte[] code = new byte[image.length];
                clone.memory().read(FlatBinaryBoot.LOAD_ADDRESS, code, 0, code.length);
                assertArrayEquals(image, code, "clone " + i + "'s guest code");
                assertEquals(last + 1, recorders.get(i).first(), "clone " + i + "'s first count");
                assertNull(recorders.get(i).gap(), "clone " + i);
                clone.resume();
            }
        } finally {
            clones.forEach(VirtualMachine::close);
        }
        assertEquals(hashBefore, sha256(memoryFile), "a clone wrote to the memory file");
    }

    @Test
    void aChainOfThreeSnapshotsRestoresByteIdenticalMemory(Hypervisor kvm) throws Exception {
        byte[] source = new byte[(int) MEMORY];
        byte[] pattern = new byte[8192];
        for (int i = 0; i < pattern.length; i++) pattern[i] = (byte) (i * 7 + 3);
        CountRecorder recorder = new CountRecorder();
        try (VirtualMachine vm = countingVm(kvm, recorder)) {
            vm.start();
            recorder.awaitAbove(50);
            SnapshotReport base = vm.snapshot(temp.resolve("s0"));
            assertFalse(base.diff());
            recorder.awaitAbove(recorder.last() + 50);
            vm.memory().write(0x200000, pattern, 0, pattern.length); // host writes count as dirty too
            SnapshotReport first = vm.snapshotDiff(temp.resolve("s1"));
            assertTrue(first.diff());
            // The host's two pattern pages, the counter's page: a few pages, not the guest's 4 MiB.
            assertTrue(first.memoryBytesWritten() >= 8192 && first.memoryBytesWritten() <= 16 * 4096, first.toString());
            recorder.awaitAbove(recorder.last() + 50);
            vm.memory().write(0x300000, pattern, 0, pattern.length);
            vm.memory().write(0x200000, new byte[4096], 0, 4096); // a page that becomes zero again
            vm.pause();
            vm.snapshotDiff(temp.resolve("s2"));
            vm.memory().read(0, source, 0, source.length);
        }
        try (VirtualMachine restored = kvm.restore(temp.resolve("s2"), with(new CountRecorder()))) {
            byte[] copy = new byte[(int) MEMORY];
            restored.memory().read(0, copy, 0, copy.length);
            assertTrue(Arrays.equals(source, copy), "memory restored from the chain differs from the source's");
        }
        try (VirtualMachine base = kvm.restore(temp.resolve("s0"), with(new CountRecorder()))) {
            assertEquals(0, base.memory().readLong(0x300000), "the base alone has none of the diffs' pages");
        }
    }

    /**
     * A user's own dirty tracking and diff snapshots read one dirty log: each gets every page written since
     * its own last read, so neither takes pages from the other (a diff missing a page would restore stale memory).
     */
    @Test
    void aUsersDirtyTrackingAndDiffSnapshotsDoNotTakePagesFromEachOther(Hypervisor kvm) throws Exception {
        CountRecorder recorder = new CountRecorder();
        long first = 0x30_0000;
        long second = 0x30_1000;
        try (VirtualMachine vm = countingVm(kvm, recorder)) {
            vm.memory().enableDirtyTracking();
            vm.snapshot(temp.resolve("base"));
            vm.memory().write(first, new byte[] {1});
            BitSet user = vm.memory().getAndClearDirtyPages();
            assertTrue(user.get((int) (first / 4096)), "the user sees the first write: " + user);
            vm.memory().write(second, new byte[] {2});
            vm.snapshotDiff(temp.resolve("diff"));
            BitSet again = vm.memory().getAndClearDirtyPages();
            assertTrue(again.get((int) (second / 4096)), "the diff took the user's page: " + again);
            assertFalse(again.get((int) (first / 4096)), "the user read the first page already: " + again);
            vm.memory().disableDirtyTracking();
            vm.memory().write(first + 8, new byte[] {3});
            vm.snapshotDiff(temp.resolve("diff2")); // the user's tracking off leaves the snapshot's on
        }
        try (VirtualMachine restored = kvm.restore(temp.resolve("diff2"), with(recorder))) {
            assertArrayEquals(new byte[] {1}, restored.memory().read(first, 1), "the page the user read first");
            assertArrayEquals(new byte[] {2}, restored.memory().read(second, 1));
            assertArrayEquals(new byte[] {3}, restored.memory().read(first + 8, 1));
        }
    }

    @Test
    void badFilesAreRefusedWithFileAndOffsetAndNothingLeaks(Hypervisor kvm) throws Exception {
        Path good = temp.resolve("good");
        try (VirtualMachine vm = countingVm(kvm, new CountRecorder())) {
            vm.snapshot(good);
        }
        byte[] state = Files.readAllBytes(good.resolve("state"));
        assertEquals(0, vcpuThreads());
        Set<String> fdsBefore = openFds();
        long mapsBefore = mappingsOf(good);

        Path corrupted = copy(good, "corrupted");
        byte[] flipped = state.clone();
        flipped[flipped.length / 2] ^= 0x40;
        Files.write(corrupted.resolve("state"), flipped);
        assertRefused(kvm, corrupted, "corrupted");

        Path truncated = copy(good, "truncated");
        Files.write(truncated.resolve("state"), Arrays.copyOf(state, state.length - 100));
        assertRefused(kvm, truncated, "truncated");

        Path version = copy(good, "version");
        byte[] newer = state.clone();
        newer[8] = 9;
        Files.write(version.resolve("state"), newer);
        assertRefused(kvm, version, "format version 9");

        Path shortMemory = copy(good, "short-memory");
        try (RandomAccessFile file =
                new RandomAccessFile(shortMemory.resolve("memory").toFile(), "rw")) {
            file.setLength(MEMORY / 2);
        }
        InvalidSnapshotException memory = assertThrows(InvalidSnapshotException.class, () -> kvm.restore(shortMemory));
        assertTrue(memory.getMessage().contains(shortMemory.resolve("memory").toString()), memory.getMessage());

        // Refused late, after the VM, its memory mapping and its vCPU-less devices exist.
        InvalidSnapshotException missing = assertThrows(InvalidSnapshotException.class, () -> kvm.restore(good));
        assertTrue(missing.getMessage().contains(PORT_DEVICE), missing.getMessage());
        assertTrue(missing.getMessage().contains(good.resolve("state") + " at offset "), missing.getMessage());
        assertTrue(missing.offset() > 0, "the devices section's offset: " + missing.getMessage());

        assertEquals(fdsBefore, openFds(), "a failed restore left file descriptors open");
        assertEquals(mapsBefore, mappingsOf(good), "a failed restore left the memory file mapped");
        assertEquals(0, vcpuThreads(), "a failed restore left a vCPU thread");
    }

    private static long vcpuThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive()
                        && t.getName().startsWith("vmm4j-")
                        && t.getName().contains("-vcpu"))
                .count();
    }

    private static void assertRefused(Hypervisor kvm, Path directory, String problem) {
        InvalidSnapshotException e = assertThrows(InvalidSnapshotException.class, () -> kvm.restore(directory));
        assertTrue(e.getMessage().contains(directory.resolve("state").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(" at offset "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    private Path copy(Path snapshot, String name) throws IOException {
        Path target = temp.resolve(name);
        Files.createDirectories(target);
        Files.copy(snapshot.resolve("state"), target.resolve("state"));
        Files.copy(snapshot.resolve("memory"), target.resolve("memory"));
        return target;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    /** Lines of /proc/self/maps that map a file under {@code directory}'s parent (every snapshot here). */
    private static long mappingsOf(Path directory) throws IOException {
        String root = directory.getParent().toString();
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(line -> line.contains(root))
                .count();
    }

    /** vmm4j's kinds of fd (KVM anon inodes, /dev/kvm) and any file under the temporary directory. */
    private Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(SnapshotTest::describe)
                    .filter(fd -> fd.contains("anon_inode:") || fd.contains("/dev/kvm") || fd.contains(temp.toString()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String describe(Path fd) {
        try {
            return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
        } catch (IOException e) {
            return fd.getFileName() + " -> (closed while listing)";
        }
    }
}
