package io.vmm4j.benchmarks.virtio;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.devices.virtio.VirtioFeatures;
import io.vmm4j.devices.virtio.VirtqDriver;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.kvm.VirtioTestHooks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Host-side virtio-blk processing against raw pread/pwrite on the same file, in one run.
 *
 * <p>The virtio cases fill the rings directly in guest memory (no vCPU runs), ring the queue's
 * ioeventfd, keep two batches in flight and sleep on the interrupt eventfd while the native I/O thread serves the batch with
 * preadv/pwritev straight on guest memory. The raw cases do the same transfers with positional
 * FileChannel reads and writes of a direct buffer (pread/pwrite). Scores are requests per second;
 * GiB/s = score x request size / 2^30; the figure of merit is virtio / raw for the same case
 * (target at least 0.9).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx512m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BlockThroughputBenchmark {
    public static final int SMALL = 4096;
    static final int SMALL_BATCH = 32;  // two batches in flight: 192 of 256 descriptors
    public static final int LARGE = 1 << 20;
    static final int LARGE_BATCH = 4;
    static final long FILE_BYTES = 256L << 20;
    static final int QUEUE = 256;
    static final long RINGS = 0x10_0000;
    static final long HEADERS = 0x20_0000;
    static final long STATUS = 0x21_0000;
    static final long DATA = 0x40_0000;

    @Param({"read", "write"})
    public String direction;

    private Path file;
    private Hypervisor kvm;
    private VirtualMachine vm;
    private VirtqDriver driver;
    private FileChannel raw;
    private ByteBuffer rawBuffer;
    private long[] randomOffsets;
    private int nextRandom;
    private long nextSequential;
    private int avail;
    private final byte[] headers = new byte[16 * SMALL_BATCH];
    private final byte[] ring = new byte[2 * SMALL_BATCH];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("vmm4j-blk-bench", ".img");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(LARGE);
            new Random(1).ints(LARGE / 4).forEach(i -> chunk.putInt(i));
            for (long at = 0; at < FILE_BYTES; at += LARGE) {
                chunk.clear();
                out.write(chunk, at);
            }
        }
        kvm = Kvm.open();
        vm = kvm.createVm(VmConfig.builder().memoryMiB(64).build());
        vm.addVirtioDevice(new VirtioDeviceConfig.Block("disk", file, false));
        driver = new VirtqDriver(vm, "disk", RINGS, QUEUE, 1);
        int status = driver.start(VirtioFeatures.VERSION_1 | BlockModel.F_FLUSH | BlockModel.F_SEG_MAX);
        if (status != 0xf) throw new IllegalStateException("device did not start: status 0x" + Integer.toHexString(status));
        raw = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        rawBuffer = ByteBuffer.allocateDirect(LARGE);
        Random random = new Random(42);
        randomOffsets = new long[1 << 16];
        for (int i = 0; i < randomOffsets.length; i++) randomOffsets[i] = (random.nextLong() & Long.MAX_VALUE) % (FILE_BYTES / SMALL) * SMALL;
        vm.memory().write(DATA, new byte[2 * LARGE_BATCH * LARGE]);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        raw.close();
        vm.close();
        kvm.close();
        Files.deleteIfExists(file);
    }

    private boolean writing() {
        return direction.equals("write");
    }

    /**
     * Publishes `count` requests on descriptor set (batch & 1), rings the doorbell, then waits for the
     * previous batch: two batches are in flight, so the I/O thread always has the next one queued
     * while this thread refills, as a guest with a deep queue would.
     */
    private void runBatch(int count, int bytes, long[] offsets) {
        int set = batch & 1;
        ByteBuffer h = ByteBuffer.wrap(headers).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer r = ByteBuffer.wrap(ring).order(ByteOrder.LITTLE_ENDIAN);
        int type = writing() ? BlockModel.T_OUT : BlockModel.T_IN;
        for (int i = 0; i < count; i++) {
            h.putInt(16 * i, type).putInt(16 * i + 4, 0).putLong(16 * i + 8, offsets[i] / 512);
            r.putShort(2 * i, (short) (3 * (set * count + i)));
        }
        driver.memory.write(HEADERS + 16L * set * count, headers, 0, 16 * count);
        driver.memory.write(driver.avail(0) + 4 + 2L * (avail % QUEUE), ring, 0, 2 * count);
        avail = (avail + count) & 0xffff;
        driver.memory.writeShort(driver.avail(0) + 2, (short) avail);
        driver.notify(0);
        batch++;
        // Wait for the previous batch, sleeping on the interrupt eventfd: the I/O thread needs the CPU.
        int previousDone = (avail - count) & 0xffff;
        while (((driver.usedIndex(0) - previousDone) & 0xffff) > count) VirtioTestHooks.awaitInterrupt(vm, "disk", 1000);
    }

    private int batch;

    private void prepareChains(int count, int bytes) {
        int flags = VirtqDriver.DESC_NEXT | (writing() ? 0 : VirtqDriver.DESC_WRITE);
        for (int i = 0; i < 2 * count; i++) {
            driver.descriptor(0, 3 * i, HEADERS + 16L * i, 16, VirtqDriver.DESC_NEXT, 3 * i + 1);
            driver.descriptor(0, 3 * i + 1, DATA + (long) i * bytes, bytes, flags, 3 * i + 2);
            driver.descriptor(0, 3 * i + 2, STATUS + i, 1, VirtqDriver.DESC_WRITE, 0);
        }
    }

    private int preparedFor = -1;

    private void ensureChains(int count, int bytes) {
        if (preparedFor != bytes) {
            // Drain what is in flight before the descriptors change shape.
            while (driver.usedIndex(0) != avail) VirtioTestHooks.awaitInterrupt(vm, "disk", 1000);
            prepareChains(count, bytes);
            preparedFor = bytes;
        }
    }

    private final long[] offsets = new long[SMALL_BATCH];

    private long[] randomBatch(int count) {
        for (int i = 0; i < count; i++) {
            offsets[i] = randomOffsets[nextRandom];
            nextRandom = (nextRandom + 1) & (randomOffsets.length - 1);
        }
        return offsets;
    }

    private long[] sequentialBatch(int count) {
        for (int i = 0; i < count; i++) {
            offsets[i] = nextSequential;
            nextSequential = (nextSequential + LARGE) % FILE_BYTES;
        }
        return offsets;
    }

    private void rawBatch(int count, int bytes, long[] at) throws IOException {
        for (int i = 0; i < count; i++) {
            rawBuffer.clear().limit(bytes);
            long position = at[i];
            while (rawBuffer.hasRemaining()) {
                int done = writing() ? raw.write(rawBuffer, position) : raw.read(rawBuffer, position);
                if (done < 0) throw new IOException("short read at " + position);
                position += done;
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(SMALL_BATCH)
    public void virtioRandom4k() {
        ensureChains(SMALL_BATCH, SMALL);
        runBatch(SMALL_BATCH, SMALL, randomBatch(SMALL_BATCH));
    }

    @Benchmark
    @OperationsPerInvocation(SMALL_BATCH)
    public void rawRandom4k() throws IOException {
        rawBatch(SMALL_BATCH, SMALL, randomBatch(SMALL_BATCH));
    }

    @Benchmark
    @OperationsPerInvocation(LARGE_BATCH)
    public void virtioSequential1m() {
        ensureChains(LARGE_BATCH, LARGE);
        runBatch(LARGE_BATCH, LARGE, sequentialBatch(LARGE_BATCH));
    }

    @Benchmark
    @OperationsPerInvocation(LARGE_BATCH)
    public void rawSequential1m() throws IOException {
        rawBatch(LARGE_BATCH, LARGE, sequentialBatch(LARGE_BATCH));
    }
}
