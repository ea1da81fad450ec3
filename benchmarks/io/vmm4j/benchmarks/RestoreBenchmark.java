package io.vmm4j.benchmarks;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.SnapshotReport;
import io.vmm4j.api.Template;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.kvm.Kvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The snapshot figures of issue 13 §6, each against a baseline measured in the same run (RatioTable):
 * <ul>
 *   <li>{@link #restoreLatency}: restore (not started) and close, of the count-out guest at 128 MiB and
 *       at 2 GiB, back to back in each round; the 2 GiB / 128 MiB ratio must be at most 1.2, as guest RAM
 *       is mapped copy-on-write from the memory file.
 *   <li>{@link #cloneRate}: {@code Template.newVm()} and close, against {@link LifecycleBenchmark}'s cold
 *       create-and-boot ({@link LifecycleBenchmark#coldCreateAndBoot}) in the same round.
 *   <li>{@link #snapshotWrite}: a full snapshot and a diff snapshot of a VM with {@value #DIRTY_MIB} MiB
 *       written since the last one, against a plain {@code FileChannel} write of the diff's bytes; and
 *       the diff's pause window per GiB of dirty memory.
 *   <li>{@link #cloneMemory}: the extra PSS of the process per clone while {@value #CLONES} clones run,
 *       as a fraction of guest memory. PSS divides a page among the mappings that share it, so pages of
 *       the memory file that no clone wrote count once in all, not once per clone.
 * </ul>
 * The clones run {@code pio-loop} halted in the in-kernel irqchip (one port write, then HLT with
 * interrupts off), so a hundred of them cost no CPU.
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RestoreBenchmark {
    static final int SMALL = 0;
    static final int LARGE = 1;
    static final int COLD = 0;
    static final int CLONE = 1;
    static final int FULL = 0;
    static final int DIFF = 1;
    static final int RAW_WRITE = 2;

    static final long SMALL_MIB = 128;
    static final long LARGE_MIB = 2048;
    /** Memory the host writes in the snapshot-write VM between snapshots, and in the template. */
    static final int DIRTY_MIB = 32;
    /** Where that memory starts, above the guest's code and stack. */
    static final long DIRTY_ADDRESS = 16L << 20;

    static final int CLONES = 100;
    static final long PAGE = 4096;

    private static final String PORT_DEVICE = "port";
    private static final IoDevice SINK = new IoDevice() {
        @Override
        public long read(long offset, int size) {
            return 0;
        }

        @Override
        public void write(long offset, int size, long value) {}
    };
    private static final RestoreOptions OPTIONS =
            RestoreOptions.builder().ioDevice(PORT_DEVICE, SINK).build();

    // ---- restore latency against memory size ----

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OperationsPerInvocation(2)
    public void restoreLatency(Sizes sizes, RestoreSamples samples) {
        boolean smallFirst = (sizes.round++ & 1) == 0;
        int first = smallFirst ? SMALL : LARGE;
        int second = smallFirst ? LARGE : SMALL;
        samples.rounds.time(first, () -> sizes.restoreAndClose(first));
        samples.rounds.time(second, () -> sizes.restoreAndClose(second));
        samples.rounds.endRound();
    }

    /** The count-out guest, run briefly and snapshotted at both sizes, once per trial. */
    @State(Scope.Thread)
    public static class Sizes {
        Hypervisor hypervisor;
        final Path[] directories = new Path[2];
        int round;

        @Setup(Level.Trial)
        public void snapshot() throws Exception {
            hypervisor = Kvm.open();
            long[] sizes = {SMALL_MIB, LARGE_MIB};
            for (int i = 0; i < 2; i++) {
                directories[i] = Files.createTempDirectory("vmm4j-restore-benchmark");
                try (VirtualMachine vm = hypervisor.createVm(
                        VmConfig.builder().memoryMiB(sizes[i]).build())) {
                    vm.addIoDevice(PORT_DEVICE, AddressSpace.PIO, BundledGuest.COUNT_PORT, 4, SINK);
                    FlatBinaryBoot.load(vm, BundledGuest.COUNT_OUT.image());
                    FlatBinaryBoot.enterProtectedMode(vm.createVcpu(0));
                    vm.start();
                    Thread.sleep(100);
                    vm.snapshot(directories[i]);
                }
            }
        }

        void restoreAndClose(int size) {
            hypervisor.restore(directories[size], OPTIONS).close();
        }

        @TearDown(Level.Trial)
        public void clean() {
            hypervisor.close();
            for (Path directory : directories) delete(directory);
        }
    }

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class RestoreSamples {
        final Rounds rounds = new Rounds(2);

        @Setup(Level.Iteration)
        public void reset() {
            rounds.reset();
        }

        /** Median µs of a restore and close at 128 MiB. */
        public double restore128MiB() {
            return rounds.medianMicros(SMALL, 1);
        }

        public double restore2GiB() {
            return rounds.medianMicros(LARGE, 1);
        }

        /** Median over rounds of the 2 GiB time / the 128 MiB time. */
        public double largeOverSmall() {
            return rounds.medianRatio(LARGE, SMALL);
        }
    }

    // ---- clones per second against cold create-and-boot ----

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OperationsPerInvocation(2)
    public void cloneRate(Templates templates, CloneSamples samples) {
        boolean coldFirst = (templates.round++ & 1) == 0;
        Runnable cold = () -> {
            if (LifecycleBenchmark.coldCreateAndBoot(templates.hypervisor, templates.pioLoop)
                    != LifecycleBenchmark.EXITS) {
                throw new IllegalStateException("cold VM: expected " + LifecycleBenchmark.EXITS + " port write");
            }
        };
        Runnable clone = () -> templates.template.newVm(OPTIONS).close();
        samples.rounds.time(coldFirst ? COLD : CLONE, coldFirst ? cold : clone);
        samples.rounds.time(coldFirst ? CLONE : COLD, coldFirst ? clone : cold);
        samples.rounds.endRound();
    }

    /**
     * One template per trial: {@code pio-loop} (one port write, then HLT with interrupts off) in a
     * 128 MiB VM with the in-kernel irqchip, {@value #DIRTY_MIB} MiB of it written by the host first.
     */
    @State(Scope.Thread)
    public static class Templates {
        final byte[] pioLoop = BundledGuest.PIO_LOOP.image();
        Hypervisor hypervisor;
        Path directory;
        Template template;
        int round;

        @Setup(Level.Trial)
        public void snapshot() throws Exception {
            hypervisor = Kvm.open();
            directory = Files.createTempDirectory("vmm4j-clone-benchmark");
            try (VirtualMachine vm = haltedVm(hypervisor, pioLoop)) {
                fill(vm.memory(), (byte) 0x3c);
                vm.snapshot(directory);
            }
            template = hypervisor.template(directory);
        }

        @TearDown(Level.Trial)
        public void clean() {
            template.close();
            hypervisor.close();
            delete(directory);
        }
    }

    /** A started 128 MiB VM with the irqchip whose vCPU has made its port write and halted. */
    static VirtualMachine haltedVm(Hypervisor hypervisor, byte[] pioLoop) throws InterruptedException {
        VirtualMachine vm = hypervisor.createVm(VmConfig.builder()
                .vcpuCount(1)
                .memorySize(LoopGuests.MEMORY_SIZE)
                .irqchip(true)
                .pit(VmConfig.Pit.NONE)
                .build());
        int[] writes = new int[1];
        vm.addIoDevice(PORT_DEVICE, AddressSpace.PIO, Access.PORT, 1, new IoDevice() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                synchronized (writes) {
                    writes[0]++;
                    writes.notifyAll();
                }
            }
        });
        FlatBinaryBoot.load(vm, pioLoop);
        Vcpu vcpu = vm.createVcpu(0);
        FlatBinaryBoot.enterProtectedMode(vcpu);
        vcpu.setRegisters(LoopGuests.batchRegisters(1, Access.PORT));
        vm.start();
        synchronized (writes) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (writes[0] == 0 && System.nanoTime() < deadline) writes.wait(1000);
            if (writes[0] == 0) throw new IllegalStateException("pio-loop made no port write in 60 s");
        }
        return vm;
    }

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class CloneSamples {
        final Rounds rounds = new Rounds(2);

        @Setup(Level.Iteration)
        public void reset() {
            rounds.reset();
        }

        /** Median µs of a cold create, boot to HLT and close (LifecycleBenchmark's vmm4j path). */
        public double coldVm() {
            return rounds.medianMicros(COLD, 1);
        }

        /** Median µs of Template.newVm() (restored and started) and close. */
        public double cloneVm() {
            return rounds.medianMicros(CLONE, 1);
        }

        /** Median over rounds of the clone rate / the cold rate, i.e. cold time / clone time. */
        public double cloneRateOverCold() {
            return rounds.medianRatio(COLD, CLONE);
        }
    }

    // ---- snapshot write time, full and diff, against a plain file write ----

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OperationsPerInvocation(3)
    public void snapshotWrite(Writer writer, WriteSamples samples) throws IOException {
        Path round = Files.createTempDirectory(writer.root, "round");
        try {
            SnapshotReport[] reports = new SnapshotReport[2];
            fill(writer.vm.memory(), (byte) writer.round++);
            samples.rounds.time(FULL, () -> reports[FULL] = writer.vm.snapshot(round.resolve("full")));
            fill(writer.vm.memory(), (byte) writer.round++);
            samples.rounds.time(DIFF, () -> reports[DIFF] = writer.vm.snapshotDiff(round.resolve("diff")));
            long bytes = reports[DIFF].memoryBytesWritten();
            if (bytes < (long) DIRTY_MIB << 20) {
                throw new IllegalStateException("the diff wrote " + bytes + " bytes, less than the " + DIRTY_MIB
                        + " MiB written since the full snapshot");
            }
            samples.rounds.time(RAW_WRITE, () -> writer.rawWrite(round.resolve("raw"), bytes));
            samples.rounds.endRound();
            samples.addPause(reports[DIFF].pauseTime().toNanos(), bytes);
        } finally {
            delete(round);
        }
    }

    /** A running (halted) VM to snapshot again and again, and the same bytes for a plain write. */
    @State(Scope.Thread)
    public static class Writer {
        Hypervisor hypervisor;
        VirtualMachine vm;
        Path root;
        ByteBuffer data;
        int round;

        @Setup(Level.Trial)
        public void start() throws Exception {
            hypervisor = Kvm.open();
            root = Files.createTempDirectory("vmm4j-snapshot-write-benchmark");
            vm = haltedVm(hypervisor, BundledGuest.PIO_LOOP.image());
            data = ByteBuffer.allocateDirect(1 << 20);
            while (data.hasRemaining()) data.put((byte) 0x5a);
        }

        /** Writes {@code bytes} to a new file in 1 MiB writes, as a sparse memory file would be written. */
        void rawWrite(Path file, long bytes) {
            try (FileChannel channel =
                    FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                for (long done = 0; done < bytes; ) {
                    data.clear().limit((int) Math.min(data.capacity(), bytes - done));
                    done += channel.write(data, done);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @TearDown(Level.Trial)
        public void clean() {
            vm.close();
            hypervisor.close();
            delete(root);
        }
    }

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class WriteSamples {
        final Rounds rounds = new Rounds(3);
        final List<Double> pauseNanosPerGiB = new ArrayList<>();

        @Setup(Level.Iteration)
        public void reset() {
            rounds.reset();
            pauseNanosPerGiB.clear();
        }

        void addPause(long nanos, long bytes) {
            pauseNanosPerGiB.add((double) nanos * (1L << 30) / bytes);
        }

        /** Median µs of a full snapshot (every page the guest or host ever wrote). */
        public double fullSnapshot() {
            return rounds.medianMicros(FULL, 1);
        }

        /** Median µs of a diff snapshot after {@value #DIRTY_MIB} MiB were written. */
        public double diffSnapshot() {
            return rounds.medianMicros(DIFF, 1);
        }

        /** Median µs of a plain write of the diff's bytes to a new file. */
        public double rawWrite() {
            return rounds.medianMicros(RAW_WRITE, 1);
        }

        public double fullOverRawWrite() {
            return rounds.medianRatio(FULL, RAW_WRITE);
        }

        public double diffOverRawWrite() {
            return rounds.medianRatio(DIFF, RAW_WRITE);
        }

        /** Median ms the diff kept the guest paused, per GiB written. */
        public double diffPauseMsPerGiB() {
            if (pauseNanosPerGiB.isEmpty()) return Double.NaN;
            return Rounds.median(pauseNanosPerGiB.stream().mapToDouble(d -> d).toArray()) / 1e6;
        }
    }

    // ---- extra memory per clone while a hundred run ----

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 0)
    @Measurement(iterations = 2)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void cloneMemory(Templates templates, MemorySamples samples) {
        List<VirtualMachine> clones = new ArrayList<>();
        try {
            System.gc();
            Pss before = Pss.read();
            for (int i = 0; i < CLONES; i++) {
                VirtualMachine clone = templates.template.newVm(OPTIONS);
                clones.add(clone);
                GuestMemory memory = clone.memory();
                // Every page of the template's data read (shared with the file and the other clones: it
                // must count once in all), and one page written (this clone's own copy).
                for (long page = 0; page < (long) DIRTY_MIB << 20; page += PAGE) {
                    if (memory.readByte(DIRTY_ADDRESS + page) != 0x3c) {
                        throw new IllegalStateException("clone " + i + " reads the wrong data at " + page);
                    }
                }
                memory.writeInt(DIRTY_ADDRESS, i);
            }
            System.gc();
            Pss after = Pss.read();
            samples.set(after.total() - before.total(), after.anon() - before.anon());
        } finally {
            for (VirtualMachine clone : clones) clone.close();
        }
    }

    /** The process's proportional set size, from /proc/self/smaps_rollup, in bytes. */
    record Pss(long total, long anon) {
        static Pss read() {
            long total = -1;
            long anon = 0;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/smaps_rollup"))) {
                    String[] fields = line.trim().split("\\s+");
                    if (fields[0].equals("Pss:")) total = Long.parseLong(fields[1]) * 1024;
                    if (fields[0].equals("Pss_Anon:")) anon = Long.parseLong(fields[1]) * 1024;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (total < 0) throw new IllegalStateException("no Pss line in /proc/self/smaps_rollup");
            return new Pss(total, anon);
        }
    }

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class MemorySamples {
        private double perClone = Double.NaN;
        private double anonPerClone = Double.NaN;

        void set(long extra, long extraAnon) {
            perClone = (double) extra / CLONES;
            anonPerClone = (double) extraAnon / CLONES;
        }

        /** KiB of extra PSS per running clone. */
        public double extraPssPerCloneKiB() {
            return perClone / 1024;
        }

        /** Extra PSS per clone / guest memory (128 MiB). */
        public double extraPssOverGuestMemory() {
            return perClone / LoopGuests.MEMORY_SIZE;
        }

        /** Extra anonymous PSS per clone / guest memory: the pages clones wrote, and the VMM's own. */
        public double extraAnonOverGuestMemory() {
            return anonPerClone / LoopGuests.MEMORY_SIZE;
        }

        /** The template's data each clone reads, over guest memory: what a copy per clone would cost. */
        public double readDataOverGuestMemory() {
            return (double) ((long) DIRTY_MIB << 20) / LoopGuests.MEMORY_SIZE;
        }
    }

    // ---- helpers ----

    /** Writes {@value #DIRTY_MIB} MiB of {@code value} from {@link #DIRTY_ADDRESS}. */
    static void fill(GuestMemory memory, byte value) {
        byte[] chunk = new byte[1 << 20];
        Arrays.fill(chunk, value);
        for (int i = 0; i < DIRTY_MIB; i++) memory.write(DIRTY_ADDRESS + ((long) i << 20), chunk, 0, chunk.length);
    }

    static void delete(Path directory) {
        if (directory == null || !Files.exists(directory)) return;
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
