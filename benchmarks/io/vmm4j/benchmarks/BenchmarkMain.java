package io.vmm4j.benchmarks;

import io.vmm4j.benchmarks.baseline.RawKvm;
import io.vmm4j.kvm.Kvm;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the vmm4j benchmarks with JMH and prints each vmm4j figure against the raw C baseline
 * measured in the same run. Arguments are JMH include regexes (default: every benchmark here), such
 * as {@code ExitLatency}, {@code Lifecycle} or {@code PauseStop.stop}; {@code -p} restricts a
 * parameter (e.g. {@code -p access=PIO_OUT}):
 *
 * <pre>
 *   BenchmarkMain [regex ...] [-p name=v1,v2 ...]
 * </pre>
 *
 * Settings (system properties): {@code bench.forks} (1), {@code bench.warmups} (3),
 * {@code bench.iterations} (5), {@code bench.seconds} (1, per iteration).
 */
public final class BenchmarkMain {
    private BenchmarkMain() {}

    public static void main(String[] args) throws RunnerException {
        Kvm.ensureAvailability();
        RawKvm.load();

        int seconds = Integer.getInteger("bench.seconds", 1);
        ChainedOptionsBuilder options = new OptionsBuilder()
                .forks(Integer.getInteger("bench.forks", 1))
                .warmupIterations(Integer.getInteger("bench.warmups", 3))
                .warmupTime(TimeValue.seconds(seconds))
                .measurementIterations(Integer.getInteger("bench.iterations", 5))
                .measurementTime(TimeValue.seconds(seconds))
                .shouldFailOnError(true);
        List<String> includes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-p") && i + 1 < args.length) {
                String[] param = args[++i].split("=", 2);
                if (param.length != 2) throw new IllegalArgumentException("-p wants name=v1,v2, got " + args[i]);
                options.param(param[0], param[1].split(","));
            } else if (args[i].equals("-h") || args[i].equals("--help")) {
                System.out.println("usage: benchmarks/run [JMH include regex ...] [-p param=v1,v2 ...]");
                return;
            } else {
                includes.add(args[i]);
            }
        }
        if (includes.isEmpty()) includes.add(BenchmarkMain.class.getPackageName() + "\\..*Benchmark\\..*");
        includes.forEach(options::include);

        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println();
        System.out.print(RatioTable.render(results));
    }
}
