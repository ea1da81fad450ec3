package io.vmm4j.benchmarks.sandbox;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.sandbox.Sandbox;
import io.vmm4j.sandbox.SandboxFactory;
import io.vmm4j.sandbox.SandboxPool;
import io.vmm4j.sandbox.SandboxTemplate;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Sandbox start to the first command's end ({@code exec("true")}), one single shot per iteration:
 * <ul>
 *   <li>{@code cold}: {@code Sandbox.Builder.start()}, a Linux boot to the agent's HELLO (the kernel already
 *       decompressed in this JVM: the trial's setup boots one first);
 *   <li>{@code pooled}: {@link SandboxPool#take()} from a pool of one that was given time to fill before the
 *       iteration, as it would between requests. Its refill (a boot) starts as the shot takes the sandbox, so on a
 *       host with one CPU for the guest (the nested-KVM test VM) it competes with the shot's {@code exec}.
 *   <li>{@code template}: {@link SandboxTemplate#start()}, a clone of a sandbox booted and snapshotted in the trial's
 *       setup, made on demand (no pool): restore, PING, RESEED and clock through the agent.
 * </ul>
 * {@code RatioTable} prints {@code pooled / cold} and {@code template / cold}. Anchors on hardware (benchmarks/README.md): e2b's
 * create-to-first-command median is about 0.44 s, Daytona's 0.11 s. Not in the default selection: {@code
 * benchmarks/run SandboxStart}; each shot of {@code cold} boots Linux (7-8 s in the nested-KVM test VM, plus
 * about 35 s per fork to decompress the kernel), so keep {@code -Dbench.iterations} low there.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(1)
@Timeout(time = 10, timeUnit = TimeUnit.MINUTES)
public class SandboxStartBenchmark {
    /**
     * The hypervisor, the builder and one boot that decompresses the kernel for the JVM; for {@code pooled}, a pool
     * of one over {@link #factory}, full before each iteration.
     */
    @State(Scope.Benchmark)
    public static class Starts {
        Hypervisor kvm;
        Sandbox.Builder builder;
        SandboxFactory factory;
        SandboxPool pool;
        SandboxTemplate template;
        Sandbox taken;

        @Setup(Level.Trial)
        public void start(BenchmarkParams params) {
            kvm = Kvm.open();
            builder = Sandbox.builder().hypervisor(kvm).image(DebianPackages.sandboxImage());
            builder.start().close();
            factory = builder::start;
            if (params.getBenchmark().endsWith(".pooled")) pool = SandboxPool.of(factory, 1);
            if (params.getBenchmark().endsWith(".template")) template = SandboxTemplate.create(builder);
        }

        @Setup(Level.Iteration)
        public void refill() throws InterruptedException {
            if (pool != null && !pool.awaitWarm(Duration.ofMinutes(5)))
                throw new IllegalStateException("the pool did not refill: " + pool);
        }

        @TearDown(Level.Iteration)
        public void closeTaken() {
            if (taken != null) taken.close();
            taken = null;
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (pool != null) pool.close();
            if (template != null) template.close();
            if (kvm != null) kvm.close();
        }
    }

    @Benchmark
    public int cold(Starts starts) {
        starts.taken = starts.builder.start();
        return starts.taken.exec("true").exitCode();
    }

    @Benchmark
    public int pooled(Starts starts) throws InterruptedException {
        starts.taken = starts.pool.take();
        return starts.taken.exec("true").exitCode();
    }

    /** A clone of a template booted once in the trial's setup: restore, PING, RESEED, clock, then the exec. */
    @Benchmark
    public int template(Starts starts) {
        starts.taken = starts.template.start();
        return starts.taken.exec("true").exitCode();
    }
}
