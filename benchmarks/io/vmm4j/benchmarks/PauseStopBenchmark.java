package io.vmm4j.benchmarks;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.kvm.Kvm;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long control operations take to take effect on a managed VM ({@code start()}) whose vCPU is
 * busy in the {@code spin} guest ({@code jmp .} forever, so it must be kicked out of KVM_RUN).
 * Sampled per call; the ratio table prints the median, p99 and maximum against the 1 ms target.
 *
 * <ul>
 *   <li>{@code pauseResume}: {@code pause()} (returns once the vCPU is parked) then {@code resume()}.
 *       Between calls the benchmark sleeps 1 ms (not timed), so that each pause finds the vCPU back in
 *       the guest rather than still parked from the last one;
 *   <li>{@code stop}: {@code stop()} (returns once the vCPU thread has ended) on a fresh VM that has
 *       just written its 'SPIN' marker, so is running guest code. Creating and closing it is not timed.
 * </ul>
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PauseStopBenchmark {
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** Starts the spin guest managed and waits until it runs. */
    static VirtualMachine startSpinning(Hypervisor hypervisor) {
        VirtualMachine vm = hypervisor.createVm(LoopGuests.CONFIG);
        try {
            FlatBinaryBoot.load(vm, BundledGuest.SPIN.image());
            FlatBinaryBoot.enterProtectedMode(vm.createVcpu(0));
            vm.start();
            long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
            while (vm.memory().readInt(LoopGuests.SPIN_MARKER_ADDRESS) != LoopGuests.SPIN_MARKER) {
                if (System.nanoTime() - deadline > 0)
                    throw new IllegalStateException("spin guest did not start: " + vm);
                Thread.onSpinWait();
            }
            return vm;
        } catch (RuntimeException e) {
            vm.close();
            throw e;
        }
    }

    @State(Scope.Thread)
    public static class Spinning {
        Hypervisor hypervisor;
        VirtualMachine vm;

        @Setup(Level.Trial)
        public void start() {
            hypervisor = Kvm.open();
            vm = startSpinning(hypervisor);
        }

        @Setup(Level.Invocation)
        public void letTheGuestRun() throws InterruptedException {
            Thread.sleep(1);
        }

        @TearDown(Level.Trial)
        public void close() {
            if (vm != null) vm.close();
            if (hypervisor != null) hypervisor.close();
        }
    }

    @State(Scope.Thread)
    public static class FreshSpinning {
        Hypervisor hypervisor;
        VirtualMachine vm;

        @Setup(Level.Trial)
        public void open() {
            hypervisor = Kvm.open();
        }

        @Setup(Level.Invocation)
        public void start() {
            vm = startSpinning(hypervisor);
        }

        @TearDown(Level.Invocation)
        public void closeVm() {
            vm.close();
            vm = null;
        }

        @TearDown(Level.Trial)
        public void close() {
            if (vm != null) vm.close();
            hypervisor.close();
        }
    }

    @Benchmark
    public void pauseResume(Spinning state) {
        state.vm.pause();
        state.vm.resume();
    }

    @Benchmark
    public void stop(FreshSpinning state) {
        state.vm.stop();
    }
}
