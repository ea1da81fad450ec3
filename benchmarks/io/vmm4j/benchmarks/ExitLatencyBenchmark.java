package io.vmm4j.benchmarks;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VcpuExit;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.x86.Registers;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.benchmarks.baseline.RawKvm;
import io.vmm4j.kvm.Kvm;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Round trip of one guest exit that the VMM serves and re-enters: guest {@code out}/{@code in}/MMIO
 * access → KVM exit to userspace → handler → {@code KVM_RUN} again.
 *
 * <p>A batch resets the registers and runs a loop guest for {@value #EXITS} accesses and on to HLT,
 * so a batch's time / {@value #EXITS} is the time per exit, with the register reset and the final HLT
 * exit spread over the batch, the same for every handler. The handlers:
 * <ul>
 *   <li>{@code RAW_C}: the plain C {@code KVM_RUN} loop of {@code benchmarks/native}, one JNI call per batch;
 *   <li>{@code NATIVE_DEVICE}: {@link Vcpu#run()} with {@code addNullDevice} on the address, served in the
 *       C++ core;
 *   <li>{@code JAVA_DEVICE}: {@link Vcpu#run()} with a Java {@link IoDevice} on the address, one upcall per exit.
 * </ul>
 *
 * <p>One invocation is a round: one batch of each handler, back to back, in an order that rotates
 * from round to round. The handlers thus share every moment of a noisy machine, and the ratios are
 * taken within a round ({@link ExitSamples}). The primary JMH score is the mean time per exit over
 * all three handlers and means little; the per-handler figures are the {@link ExitSamples} counters.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(ExitLatencyBenchmark.EXITS * 3)
public class ExitLatencyBenchmark {
    public static final int EXITS = 1000;
    private static final Handler[] HANDLERS = Handler.values();

    @Param({"PIO_OUT", "PIO_IN", "MMIO_WRITE", "MMIO_READ"})
    public Access access;

    private final Batch[] batches = new Batch[HANDLERS.length];
    private int round;

    /** One batch of {@link #EXITS} exits, run to HLT. */
    private interface Batch extends AutoCloseable {
        /** Runs one batch; returns the number of exits the handler saw, or -1 if it cannot count them. */
        long run();

        @Override
        void close();
    }

    @Setup(Level.Trial)
    public void setUp() {
        for (Handler handler : HANDLERS) {
            Batch batch = handler == Handler.RAW_C ? new RawBatch(access) : new VmmBatch(access, handler);
            batches[handler.ordinal()] = batch;
            long seen = batch.run();
            if (seen >= 0 && seen != EXITS) {
                throw new IllegalStateException(handler + "/" + access + ": expected " + EXITS + " exits, saw " + seen);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Batch batch : batches) {
            if (batch != null) batch.close();
        }
    }

    @Benchmark
    public void exitRoundTrip(ExitSamples samples) {
        int first = round++ % HANDLERS.length;
        for (int i = 0; i < HANDLERS.length; i++) {
            int handler = (first + i) % HANDLERS.length;
            samples.rounds.time(handler, batches[handler]::run);
        }
        samples.rounds.endRound();
    }

    /**
     * Per-iteration figures, reported by JMH as secondary results. (JMH sums EVENTS counters over
     * iterations in its own summary; {@link RatioTable} reads them per iteration.)
     */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class ExitSamples {
        final Rounds rounds = new Rounds(HANDLERS.length);

        @Setup(Level.Iteration)
        public void reset() {
            rounds.reset();
        }

        /** Median µs per exit of the raw C loop in this iteration. */
        public double rawC() {
            return rounds.medianMicros(Handler.RAW_C.ordinal(), EXITS);
        }

        public double nativeDevice() {
            return rounds.medianMicros(Handler.NATIVE_DEVICE.ordinal(), EXITS);
        }

        public double javaDevice() {
            return rounds.medianMicros(Handler.JAVA_DEVICE.ordinal(), EXITS);
        }

        /** Median over the rounds of this iteration of native-device time / raw C time. */
        public double nativeOverRawC() {
            return rounds.medianRatio(Handler.NATIVE_DEVICE.ordinal(), Handler.RAW_C.ordinal());
        }

        public double javaOverRawC() {
            return rounds.medianRatio(Handler.JAVA_DEVICE.ordinal(), Handler.RAW_C.ordinal());
        }
    }

    /** The raw C loop; counts exits itself. */
    private static final class RawBatch implements Batch {
        private final int kvm;
        private final long context;

        RawBatch(Access access) {
            kvm = (int) RawKvm.check("open /dev/kvm", RawKvm.raw_kvm_open(Kvm.DEFAULT_DEVICE.toString()));
            byte[] image = access.guest.image();
            long created = RawKvm.raw_exit_context_create(
                    kvm, image, image.length, access.rawKind, access.target(), LoopGuests.MEMORY_SIZE);
            if (created < 0) RawKvm.raw_kvm_close(kvm);
            context = RawKvm.check("create raw VM", created);
        }

        @Override
        public long run() {
            return RawKvm.check("raw batch", RawKvm.raw_run_exits(context, EXITS));
        }

        @Override
        public void close() {
            RawKvm.raw_exit_context_destroy(context);
            RawKvm.raw_kvm_close(kvm);
        }
    }

    /** A vmm4j VM in manual execution, with a native or a Java device on the address. */
    private static final class VmmBatch implements Batch {
        private final Hypervisor kvm;
        private final VirtualMachine vm;
        private final Vcpu vcpu;
        private final Registers start;
        private final CountingDevice device;

        VmmBatch(Access access, Handler handler) {
            kvm = Kvm.open();
            vm = kvm.createVm(LoopGuests.CONFIG);
            FlatBinaryBoot.load(vm, access.guest.image());
            if (handler == Handler.JAVA_DEVICE) {
                device = new CountingDevice();
                vm.addIoDevice("bench", access.space, access.target(), access.deviceLength(), device);
            } else {
                device = null;
                vm.addNullDevice("bench", access.space, access.target(), access.deviceLength());
            }
            vcpu = vm.createVcpu(0);
            FlatBinaryBoot.enterProtectedMode(vcpu);
            start = LoopGuests.batchRegisters(EXITS, access.target());
        }

        @Override
        public long run() {
            long before = device == null ? 0 : device.accesses;
            vcpu.setRegisters(start);
            VcpuExit exit = vcpu.run();
            if (!(exit instanceof VcpuExit.Halt)) throw new IllegalStateException("expected HLT, got " + exit);
            return device == null ? -1 : device.accesses - before;
        }

        @Override
        public void close() {
            vm.close();
            kvm.close();
        }
    }
}
