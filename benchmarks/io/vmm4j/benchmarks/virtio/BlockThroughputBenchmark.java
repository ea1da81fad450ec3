package io.vmm4j.benchmarks.virtio;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.benchmarks.baseline.RawKvm;
import io.vmm4j.devices.virtio.VirtioFeatures;
import io.vmm4j.devices.virtio.VirtqDriver;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.kvm.VirtioTestHooks;
import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Host-side virtio-blk processing against raw pread/pwrite on the same file, interleaved in one run.
 *
 * <p>One JMH operation is a <b>round</b>: the same number of requests (2048 × 4 KiB, or 16 × 1 MiB,
 * a few milliseconds each) through virtio and through raw pread/pwrite, back to back, the order
 * alternating from round to round. Both sides are synchronous at the round's end: the virtio side
 * counts a request only once its used entry is published and its status byte reads OK. A round is
 * long next to a thread wake-up, so the I/O thread's wake at the start of each virtio round (it
 * sleeps through the raw round) costs about 1%.
 * <ul>
 *   <li>virtio: the rings are filled directly in guest memory (no vCPU runs), with bulk writes: one
 *       write for the request headers, one for the avail entries, one for the status bytes. The
 *       driver negotiates EVENT_IDX as Linux does: it rings the queue's ioeventfd only when
 *       {@code avail_event} asks for it, sets {@code used_event} to the end of the batch it waits
 *       for, and then waits as {@code guestWait} says. {@code inFlight} batches (of 32 × 4 KiB or
 *       4 × 1 MiB) are outstanding at once, so the I/O thread has the next batch while the driver
 *       refills, as with a guest's deep queue; {@code -p inFlight=1} waits for each batch instead.</li>
 *   <li>raw: {@code raw_block_baseline.h}, plain C pread/pwrite, one call per request, on the same
 *       file opened the same way, into buffers mapped like guest RAM; request i of a batch uses
 *       slot i of the same set of slots, exactly like the virtio side.</li>
 * </ul>
 * Same file, same distribution of offsets (one random sequence, or one sequential cursor, consumed
 * alternately by the two sides), same sizes, the same page-cache state: the file is written and
 * fsync'ed before the trial, so it is entirely cached and clean, and neither side waits on a
 * writeback backlog left by the set-up. Same CPU: the requests are served on one CPU in both arms
 * (see {@link Pinning}).
 *
 * <p>Secondary results (per iteration): {@code virtioRequestsPerSecond},
 * {@code rawRequestsPerSecond} (medians over the rounds) and {@code virtioOverRaw} (median over
 * the rounds of raw time / virtio time: the target is at least 0.9 with {@code guestWait=haltPoll}).
 * The trial's measured iterations are also printed as one summary line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx512m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BlockThroughputBenchmark {
    public static final int SMALL = 4096;
    static final int SMALL_BATCH = 32;
    static final int SMALL_ROUND = 2048;
    public static final int LARGE = 1 << 20;
    static final int LARGE_BATCH = 4;
    static final int LARGE_ROUND = 16;
    static final long FILE_BYTES = 256L << 20;
    static final int QUEUE = 256; // two batches in flight: 2 × 32 × 3 = 192 of 256 descriptors
    static final int MAX_IN_FLIGHT = 2;
    static final long RINGS = 0x10_0000;
    static final long HEADERS = 0x20_0000;
    static final long STATUS = 0x21_0000;
    static final long DATA = 0x40_0000;
    static final long DATA_BYTES = (long) MAX_IN_FLIGHT * LARGE_BATCH * LARGE;

    @Param({"read", "write"})
    public String direction;

    /** Virtio batches outstanding at once (1 or 2). */
    @Param({"2"})
    public int inFlight;

    /**
     * How the driver waits for its interrupt. {@code haltPoll} is a guest on KVM with its default
     * halt polling: a halted vCPU keeps polling for an interrupt for up to the host's
     * {@code kvm.halt_poll_ns} before it sleeps, so an interrupt that comes soon costs no thread
     * wake-up; the driver polls its used index for that long, then sleeps on the interrupt eventfd.
     * {@code sleep} sleeps at once, as a guest with halt polling off: each interrupt then wakes a
     * sleeping thread (on this nested host, about 8.5 µs of the I/O thread's time per interrupt).
     */
    @Param({"haltPoll", "sleep"})
    public String guestWait;

    private Path file;
    private Hypervisor kvm;
    private VirtualMachine vm;
    private VirtqDriver driver;
    private long raw;
    private boolean write;
    private long[] randomOffsets;
    private int nextRandom;
    private long nextSequential;
    private int avail; // the driver's avail index (next free entry)
    private int round;
    private int preparedFor = -1;
    private byte[] headers;
    private byte[] ring;
    private byte[] statusInit;
    private byte[] statusRead;
    private long[] batchOffsets;
    private long usedEventAddress;
    private long availEventAddress;
    private long haltPollNanos;
    private Pinning pinning;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        if (inFlight < 1 || inFlight > MAX_IN_FLIGHT) throw new IllegalArgumentException("inFlight is 1 or 2");
        write = direction.equals("write");
        haltPollNanos = switch (guestWait) {
            case "haltPoll" -> hostHaltPollNanos();
            case "sleep" -> 0;
            default -> throw new IllegalArgumentException("guestWait is haltPoll or sleep, not " + guestWait);
        };
        file = Files.createTempFile("vmm4j-blk-bench", ".img");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(LARGE);
            new Random(1).ints(LARGE / 4).forEach(i -> chunk.putInt(i));
            for (long at = 0; at < FILE_BYTES; at += LARGE) {
                chunk.clear();
                while (chunk.hasRemaining()) out.write(chunk, at + chunk.position());
            }
            out.force(true); // clean and cached: no writeback backlog during the measurement
        }
        pinning = Pinning.choose();
        kvm = Kvm.open();
        vm = kvm.createVm(VmConfig.builder()
                .memoryMiB(64)
                .ioThreadCpus(pinning.servingCpu())
                .build());
        vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", file, false));
        driver = new VirtqDriver(vm, "disk", RINGS, QUEUE, 1);
        int status = driver.start(
                VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX | BlockModel.F_FLUSH | BlockModel.F_SEG_MAX);
        if (status != 0xf)
            throw new IllegalStateException("device did not start: status 0x" + Integer.toHexString(status));
        usedEventAddress = driver.avail(0) + 4 + 2L * QUEUE;
        availEventAddress = driver.used(0) + 4 + 8L * QUEUE;
        vm.memory().write(DATA, new byte[(int) DATA_BYTES]); // touched, as the raw side's buffers
        raw = RawKvm.check("raw_block_open", RawKvm.raw_block_open(file.toString(), DATA_BYTES));
        Random random = new Random(42);
        randomOffsets = new long[1 << 16];
        for (int i = 0; i < randomOffsets.length; i++)
            randomOffsets[i] = (random.nextLong() & Long.MAX_VALUE) % (FILE_BYTES / SMALL) * SMALL;
    }

    /**
     * Where each side does its work. The requests are served on one CPU in both arms: the raw loop
     * runs there, and so does the VM's I/O thread ({@code VmConfig.ioThreadCpus}), while the virtio
     * driver runs on another. Without this the comparison measures the CPUs, not the code: this
     * host's two vCPUs differ by about 35% in pread speed, and the scheduler places the threads
     * differently from run to run.
     */
    record Pinning(int servingCpu, int driverCpu) {
        static Pinning choose() throws IOException {
            List<Integer> cpus = allowedCpus();
            if (cpus.size() < 2) throw new IllegalStateException("the benchmark needs two CPUs; allowed: " + cpus);
            return new Pinning(cpus.get(0), cpus.get(1)); // the I/O thread goes to servingCpu via VmConfig
        }

        void forVirtio() {
            RawKvm.check("sched_setaffinity to CPU " + driverCpu, RawKvm.bench_pin_current_thread(driverCpu));
        }

        void forRaw() {
            RawKvm.check("sched_setaffinity to CPU " + servingCpu, RawKvm.bench_pin_current_thread(servingCpu));
        }

        /** Cpus_allowed_list of /proc/self/status, e.g. "0-1,4". */
        private static List<Integer> allowedCpus() throws IOException {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (!line.startsWith("Cpus_allowed_list:")) continue;
                List<Integer> cpus = new ArrayList<>();
                for (String range : line.substring(line.indexOf(':') + 1).trim().split(",")) {
                    String[] ends = range.split("-");
                    int first = Integer.parseInt(ends[0]);
                    int last = Integer.parseInt(ends[ends.length - 1]);
                    for (int cpu = first; cpu <= last; cpu++) cpus.add(cpu);
                }
                return cpus;
            }
            throw new IOException("no Cpus_allowed_list in /proc/self/status");
        }
    }

    /** KVM's halt-polling window on this host; KVM's x86 default (200 µs) when it cannot be read. */
    static long hostHaltPollNanos() {
        try {
            return Long.parseLong(Files.readString(Path.of("/sys/module/kvm/parameters/halt_poll_ns"))
                    .trim());
        } catch (IOException | NumberFormatException e) {
            return 200_000;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (raw != 0) RawKvm.raw_block_close(raw);
        vm.close();
        kvm.close();
        Files.deleteIfExists(file);
    }

    /** Per-iteration round timings, reported as JMH secondary results. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Samples {
        long[] virtioNanos = new long[1024];
        long[] rawNanos = new long[1024];
        int rounds;
        int requestsPerRound;
        boolean measuring;
        final List<double[]> measured = new ArrayList<>();

        @Setup(Level.Iteration)
        public void reset(IterationParams params) {
            rounds = 0;
            measuring = params.getType() == IterationType.MEASUREMENT;
        }

        @TearDown(Level.Trial)
        public void summary(BenchmarkParams params) {
            if (measured.isEmpty()) return;
            StringBuilder line = new StringBuilder("virtio-blk " + params.getParam("direction") + " "
                    + describe(requestsPerRound) + ", inFlight " + params.getParam("inFlight")
                    + ", guestWait " + params.getParam("guestWait")
                    + ": virtio/raw per iteration");
            double[] ratios = new double[measured.size()];
            double[] virtio = new double[ratios.length];
            double[] rawRates = new double[ratios.length];
            for (int i = 0; i < ratios.length; i++) {
                double[] m = measured.get(i);
                virtio[i] = m[0];
                rawRates[i] = m[1];
                ratios[i] = m[2];
                line.append(String.format(" %.3f", m[2]));
            }
            line.append(String.format(
                    "; median %.3fx, virtio %.0f req/s, raw %.0f req/s",
                    BlockThroughputBenchmark.median(ratios),
                    BlockThroughputBenchmark.median(virtio),
                    BlockThroughputBenchmark.median(rawRates)));
            System.out.println(line);
        }

        @TearDown(Level.Iteration)
        public void keep() {
            if (measuring && rounds > 0) {
                measured.add(new double[] {virtioRequestsPerSecond(), rawRequestsPerSecond(), virtioOverRaw()});
            }
        }

        void add(long virtio, long raw, int requests) {
            if (rounds == virtioNanos.length) {
                virtioNanos = Arrays.copyOf(virtioNanos, 2 * rounds);
                rawNanos = Arrays.copyOf(rawNanos, 2 * rounds);
            }
            virtioNanos[rounds] = virtio;
            rawNanos[rounds] = raw;
            requestsPerRound = requests;
            rounds++;
        }

        public double virtioRequestsPerSecond() {
            return rounds == 0 ? Double.NaN : requestsPerRound * 1e9 / median(virtioNanos, rounds);
        }

        public double rawRequestsPerSecond() {
            return rounds == 0 ? Double.NaN : requestsPerRound * 1e9 / median(rawNanos, rounds);
        }

        /** Median over this iteration's rounds of raw time / virtio time (= virtio rate / raw rate). */
        public double virtioOverRaw() {
            if (rounds == 0) return Double.NaN;
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) ratios[r] = (double) rawNanos[r] / virtioNanos[r];
            Arrays.sort(ratios);
            return rounds % 2 == 1 ? ratios[rounds / 2] : (ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2;
        }

        private static double median(long[] values, int count) {
            long[] sorted = Arrays.copyOf(values, count);
            Arrays.sort(sorted);
            return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2.0;
        }
    }

    private static String describe(int requestsPerRound) {
        return requestsPerRound == SMALL_ROUND ? "random 4 KiB" : "sequential 1 MiB";
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    @Benchmark
    public void random4k(Samples samples) {
        round(samples, SMALL, SMALL_BATCH, SMALL_ROUND, true);
    }

    @Benchmark
    public void sequential1m(Samples samples) {
        round(samples, LARGE, LARGE_BATCH, LARGE_ROUND, false);
    }

    private void round(Samples samples, int bytes, int batch, int requests, boolean random) {
        prepare(bytes, batch);
        long virtio;
        long rawTime;
        if ((round++ & 1) == 0) {
            pinning.forVirtio();
            virtio = virtioRound(bytes, batch, requests, random);
            pinning.forRaw();
            rawTime = rawRound(bytes, batch, requests, random);
        } else {
            pinning.forRaw();
            rawTime = rawRound(bytes, batch, requests, random);
            pinning.forVirtio();
            virtio = virtioRound(bytes, batch, requests, random);
        }
        samples.add(virtio, rawTime, requests);
    }

    private long[] nextOffsets(int count, int bytes, boolean random) {
        for (int i = 0; i < count; i++) {
            if (random) {
                batchOffsets[i] = randomOffsets[nextRandom];
                nextRandom = (nextRandom + 1) & (randomOffsets.length - 1);
            } else {
                batchOffsets[i] = nextSequential;
                nextSequential = (nextSequential + bytes) % FILE_BYTES;
            }
        }
        return batchOffsets;
    }

    private long rawRound(int bytes, int batch, int requests, boolean random) {
        long start = System.nanoTime();
        for (int b = 0; b < requests / batch; b++) {
            long[] offsets = nextOffsets(batch, bytes, random);
            long done = RawKvm.check(
                    "raw_block_batch",
                    RawKvm.raw_block_batch(raw, offsets, batch, bytes, write ? 1 : 0, (b % inFlight) * batch));
            if (done != batch) throw new IllegalStateException("raw batch completed " + done + " of " + batch);
        }
        return System.nanoTime() - start;
    }

    /**
     * One round of virtio requests: batches of {@code batch} on descriptor sets {@code b % inFlight},
     * at most {@code inFlight} outstanding; returns once every request of the round completed OK.
     */
    private long virtioRound(int bytes, int batch, int requests, boolean random) {
        int batches = requests / batch;
        int base = avail; // everything before it completed in the previous round
        long start = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            if (b >= inFlight) completeBatch(base, b - inFlight, batch);
            submit(b % inFlight, batch, nextOffsets(batch, bytes, random));
        }
        for (int b = Math.max(0, batches - inFlight); b < batches; b++) completeBatch(base, b, batch);
        return System.nanoTime() - start;
    }

    /** Publishes a batch on descriptor set {@code set}, with bulk writes, and notifies if asked to. */
    private void submit(int set, int count, long[] offsets) {
        ByteBuffer h = ByteBuffer.wrap(headers).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer r = ByteBuffer.wrap(ring).order(ByteOrder.LITTLE_ENDIAN);
        int type = write ? BlockModel.T_OUT : BlockModel.T_IN;
        int first = set * count;
        for (int i = 0; i < count; i++) {
            h.putInt(16 * i, type).putInt(16 * i + 4, 0).putLong(16 * i + 8, offsets[i] / 512);
            r.putShort(2 * i, (short) (3 * (first + i)));
        }
        driver.memory.write(HEADERS + 16L * first, headers, 0, 16 * count);
        driver.memory.write(STATUS + first, statusInit, 0, count);
        int old = avail;
        int at = old % QUEUE; // count divides QUEUE, so a batch never wraps the ring
        driver.memory.write(driver.avail(0) + 4 + 2L * at, ring, 0, 2 * count);
        avail = (avail + count) & 0xffff;
        driver.memory.writeShort(driver.avail(0) + 2, (short) avail);
        // vring_need_event (§2.7.10): notify if avail_event lies in [old, avail).
        VarHandle.fullFence();
        int availEvent = driver.memory.readShort(availEventAddress) & 0xffff;
        if (((avail - availEvent - 1) & 0xffff) < ((avail - old) & 0xffff)) driver.notify(0);
    }

    /** Waits until batch {@code b} of the round that started at avail index {@code base} is used; checks its statuses. */
    private void completeBatch(int base, int b, int batch) {
        int target = (base + (b + 1) * batch) & 0xffff;
        while (!reached(base, target)) {
            // Ask for an interrupt when the used index passes target - 1, then re-check before halting.
            driver.memory.writeShort(usedEventAddress, (short) (target - 1));
            VarHandle.fullFence();
            if (reached(base, target) || haltPolled(base, target)) break;
            VirtioTestHooks.awaitInterrupt(vm, "disk", 1000);
        }
        int first = (b % inFlight) * batch;
        driver.memory.read(STATUS + first, statusRead, 0, batch);
        for (int i = 0; i < batch; i++) {
            if (statusRead[i] != 0) throw new IllegalStateException("request failed: status " + statusRead[i]);
        }
    }

    /** KVM's halt polling, seen from the guest: whether the batch completed within the window. */
    private boolean haltPolled(int base, int target) {
        if (haltPollNanos == 0) return false;
        long deadline = System.nanoTime() + haltPollNanos;
        do {
            if (reached(base, target)) return true;
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        return false;
    }

    /** Whether the used index reached {@code target}; the round's entries all lie in [base, base + round]. */
    private boolean reached(int base, int target) {
        int used = driver.usedIndex(0);
        return ((used - base) & 0xffff) >= ((target - base) & 0xffff);
    }

    /** Lays the descriptor chains out once per request shape (header, data, status). */
    private void prepare(int bytes, int batch) {
        if (preparedFor == bytes) return;
        int slots = inFlight * batch;
        headers = new byte[16 * batch];
        ring = new byte[2 * batch];
        statusInit = new byte[batch];
        Arrays.fill(statusInit, (byte) 0xff);
        statusRead = new byte[batch];
        batchOffsets = new long[batch];
        int flags = VirtqDriver.DESC_NEXT | (write ? 0 : VirtqDriver.DESC_WRITE);
        ByteBuffer table = ByteBuffer.allocate(16 * 3 * slots).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < slots; i++) {
            table.putLong(HEADERS + 16L * i)
                    .putInt(16)
                    .putShort((short) VirtqDriver.DESC_NEXT)
                    .putShort((short) (3 * i + 1));
            table.putLong(DATA + (long) i * bytes)
                    .putInt(bytes)
                    .putShort((short) flags)
                    .putShort((short) (3 * i + 2));
            table.putLong(STATUS + i)
                    .putInt(1)
                    .putShort((short) VirtqDriver.DESC_WRITE)
                    .putShort((short) 0);
        }
        driver.memory.write(driver.desc(0), table.array());
        preparedFor = bytes;
    }
}
