package io.vmm4j.benchmarks.sandbox;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.sandbox.Sandbox;
import io.vmm4j.sandbox.SandboxPool;
import io.vmm4j.testing.DebianPackages;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.Timeout;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sandbox start to the first command's end ({@code exec("true")}): {@code cold} boots one (the kernel already
 * decompressed in this JVM: the first setup start does that), {@code pooled} takes one from a {@link SandboxPool}
 * that was given time to refill between iterations. Anchors on hardware (README): e2b's create-to-first-command
 * median is about 0.44 s, Daytona's 0.11 s. Not in the default selection: {@code benchmarks/run SandboxStart}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(1)
@Timeout(time = 10, timeUnit = TimeUnit.MINUTES)
@State(Scope.Benchmark)
public class SandboxStartBenchmark {
    private Hypervisor kvm;
    private Sandbox.Builder builder;
    private SandboxPool pool;
    private Sandbox taken;

    @Setup(Level.Trial)
    public void start() {
        kvm = Kvm.open();
        builder = Sandbox.builder().hypervisor(kvm).image(DebianPackages.sandboxImage());
        builder.start().close(); // decompresses the kernel once for the JVM
        pool = SandboxPool.of(builder, 1);
    }

    /** Before each pooled take: the pool has its sandbox ready, as it would between requests. */
    @Setup(Level.Iteration)
    public void refill() throws InterruptedException {
        if (!pool.awaitWarm(Duration.ofMinutes(5))) throw new IllegalStateException("the pool did not refill");
    }

    @TearDown(Level.Iteration)
    public void closeTaken() {
        if (taken != null) taken.close();
        taken = null;
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (pool != null) pool.close();
        if (kvm != null) kvm.close();
    }

    @Benchmark
    public int cold() {
        taken = builder.start();
        return taken.exec("true").exitCode();
    }

    @Benchmark
    public int pooled() throws InterruptedException {
        taken = pool.take();
        return taken.exec("true").exitCode();
    }
}
