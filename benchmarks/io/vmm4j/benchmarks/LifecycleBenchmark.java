package io.vmm4j.benchmarks;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VcpuExit;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.benchmarks.baseline.RawKvm;
import io.vmm4j.guests.BundledGuest;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole VM lifecycle: create a VM with 128 MiB of RAM and one vCPU, load the {@code pio-loop}
 * guest, put the vCPU in flat protected mode, run it (one port write, then HLT), close.
 * {@code /dev/kvm} is opened once per trial for both:
 * <ul>
 *   <li>raw C: {@code raw_lifecycle_once}, one JNI call doing the minimal ioctls;
 *   <li>vmm4j: the public Java API, as a user would write it ({@code Vcpu.run()} returns the
 *       unclaimed port write as an {@code IoOut}, then {@code Halt}).
 * </ul>
 *
 * <p>One invocation is a round: one lifecycle of each, back to back, alternating which goes first;
 * the rate ratio is taken within a round ({@link LifecycleSamples}). The primary JMH score is the
 * mean time of a lifecycle over both and means little.
 */
@State(Scope.Thread)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@OperationsPerInvocation(2)
public class LifecycleBenchmark {
    /** Port writes the guest makes before HLT. */
    static final int EXITS = 1;

    static final int RAW_C = 0;
    static final int VMM4J = 1;

    private final byte[] image = BundledGuest.PIO_LOOP.image();
    private Hypervisor hypervisor;
    private int rawKvm = -1;
    private int round;

    @Setup(Level.Trial)
    public void setUp() {
        rawKvm = (int) RawKvm.check("open /dev/kvm", RawKvm.raw_kvm_open(Kvm.DEFAULT_DEVICE.toString()));
        hypervisor = Kvm.open();
        if (raw() != EXITS || vmm4j() != EXITS) throw new IllegalStateException("expected " + EXITS + " port write");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (hypervisor != null) hypervisor.close();
        RawKvm.raw_kvm_close(rawKvm);
    }

    @Benchmark
    public void createRunClose(LifecycleSamples samples) {
        boolean rawFirst = (round++ & 1) == 0;
        samples.rounds.time(rawFirst ? RAW_C : VMM4J, rawFirst ? this::raw : this::vmm4j);
        samples.rounds.time(rawFirst ? VMM4J : RAW_C, rawFirst ? this::vmm4j : this::raw);
        samples.rounds.endRound();
    }

    private int raw() {
        return (int) RawKvm.check(
                "raw lifecycle",
                RawKvm.raw_lifecycle_once(rawKvm, image, image.length, LoopGuests.MEMORY_SIZE, Access.PORT, EXITS));
    }

    private int vmm4j() {
        return coldCreateAndBoot(hypervisor, image);
    }

    /**
     * The cold path this benchmark measures: create a VM, load {@code pio-loop}, run it to HLT, close.
     * Returns the port writes seen. {@link RestoreBenchmark} compares clones from a template with it.
     */
    static int coldCreateAndBoot(Hypervisor hypervisor, byte[] image) {
        try (VirtualMachine vm = hypervisor.createVm(LoopGuests.CONFIG)) {
            FlatBinaryBoot.load(vm, image);
            Vcpu vcpu = vm.createVcpu(0);
            FlatBinaryBoot.enterProtectedMode(vcpu);
            vcpu.setRegisters(LoopGuests.batchRegisters(EXITS, Access.PORT));
            int exits = 0;
            for (VcpuExit exit = vcpu.run(); !(exit instanceof VcpuExit.Halt); exit = vcpu.run()) {
                if (!(exit instanceof VcpuExit.IoOut)) throw new IllegalStateException("unexpected exit " + exit);
                exits++;
            }
            return exits;
        }
    }

    /** Per-iteration figures, as JMH secondary results (summed over iterations in JMH's own summary). */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class LifecycleSamples {
        final Rounds rounds = new Rounds(2);

        @Setup(Level.Iteration)
        public void reset() {
            rounds.reset();
        }

        /** Median µs per VM of the raw C lifecycle in this iteration. */
        public double rawC() {
            return rounds.medianMicros(RAW_C, 1);
        }

        public double vmm4j() {
            return rounds.medianMicros(VMM4J, 1);
        }

        /** Median over rounds of vmm4j rate / raw C rate, i.e. raw C time / vmm4j time. */
        public double rateVmm4jOverRawC() {
            return rounds.medianRatio(RAW_C, VMM4J);
        }
    }
}
