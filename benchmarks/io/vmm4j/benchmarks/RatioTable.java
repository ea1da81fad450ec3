package io.vmm4j.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/** Turns JMH results into the vmm4j / raw C ratio table, with the targets of the issue. */
final class RatioTable {
    static final double NATIVE_EXIT_TARGET = 1.01;
    static final double JAVA_EXIT_TARGET = 1.05;
    static final double LIFECYCLE_RATE_TARGET = 0.80;
    static final double CONTROL_TARGET_MICROS = 1000;

    private static final String EXIT = ExitLatencyBenchmark.class.getName() + ".exitRoundTrip";
    private static final String LIFECYCLE = LifecycleBenchmark.class.getName() + ".createRunClose";
    private static final String PAUSE = PauseStopBenchmark.class.getName() + ".pauseResume";
    private static final String STOP = PauseStopBenchmark.class.getName() + ".stop";

    private RatioTable() {}

    /** The median of the per-iteration values of one counter, with their lowest and highest. */
    private record Figure(double value, double low, double high) {
        static Optional<Figure> of(RunResult result, String counter) {
            List<Double> values = new ArrayList<>();
            for (BenchmarkResult fork : result.getBenchmarkResults()) {
                for (IterationResult iteration : fork.getIterationResults()) {
                    Result<?> r = iteration.getSecondaryResults().get(counter);
                    if (r != null && !Double.isNaN(r.getScore())) values.add(r.getScore());
                }
            }
            if (values.isEmpty()) return Optional.empty();
            double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
            return Optional.of(new Figure(Rounds.median(array), values.stream().mapToDouble(d -> d).min().orElseThrow(),
                    values.stream().mapToDouble(d -> d).max().orElseThrow()));
        }

        String show(String format) {
            String text = String.format(Locale.ROOT, format, value) + " ["
                    + String.format(Locale.ROOT, format, low).trim() + "-"
                    + String.format(Locale.ROOT, format, high).trim() + "]";
            return text;
        }
    }

    /** PASS or MISS on the median; '*' when the target lies inside the per-iteration range. */
    private static String verdict(Figure ratio, double target, boolean atMost) {
        boolean pass = atMost ? ratio.value <= target : ratio.value >= target;
        boolean straddles = ratio.low <= target && target <= ratio.high;
        return (pass ? "PASS" : "MISS") + (straddles ? "*" : "");
    }

    static String render(Collection<RunResult> results) {
        StringBuilder out = new StringBuilder();
        out.append("==== vmm4j against a raw C KVM loop, interleaved in this run ====\n");
        boolean any = exits(results, out) | lifecycle(results, out) | control(results, out);
        if (!any) out.append("(no benchmark with a known table row ran)\n");
        out.append("\nFigures: median of the per-iteration values [lowest-highest iteration]. A per-iteration\n"
                + "figure is the median over that iteration's rounds; a ratio is taken within each round\n"
                + "(raw C and vmm4j run back to back). '*' after a verdict: the target lies inside the range.\n");
        return out.toString();
    }

    private static boolean exits(Collection<RunResult> results, StringBuilder out) {
        boolean header = false;
        for (Access access : Access.values()) {
            Optional<RunResult> result = find(results, EXIT, "access", access.name());
            if (result.isEmpty()) continue;
            if (!header) {
                out.append(String.format(Locale.ROOT, "%n%-26s %-22s %-22s %-22s %-8s %s%n",
                        "Exit round trip (us/exit)", "raw C", "vmm4j", "vmm4j / raw C", "target", "verdict"));
                header = true;
            }
            Optional<Figure> raw = Figure.of(result.get(), "rawC");
            String[][] rows = {{"nativeDevice", "nativeOverRawC", "native dev"}, {"javaDevice", "javaOverRawC", "Java dev"}};
            for (String[] row : rows) {
                Optional<Figure> vmm = Figure.of(result.get(), row[0]);
                Optional<Figure> ratio = Figure.of(result.get(), row[1]);
                double target = row[0].equals("nativeDevice") ? NATIVE_EXIT_TARGET : JAVA_EXIT_TARGET;
                String label = access.label + ", " + row[2];
                if (raw.isEmpty() || vmm.isEmpty() || ratio.isEmpty()) {
                    out.append(String.format(Locale.ROOT, "%-26s (no samples)%n", label));
                    continue;
                }
                out.append(String.format(Locale.ROOT, "%-26s %-22s %-22s %-22s <= %-5.2f %s%n", label,
                        raw.get().show("%6.2f"), vmm.get().show("%6.2f"), ratio.get().show("%6.3fx"), target,
                        verdict(ratio.get(), target, true)));
            }
        }
        return header;
    }

    private static boolean lifecycle(Collection<RunResult> results, StringBuilder out) {
        Optional<RunResult> result = find(results, LIFECYCLE);
        if (result.isEmpty()) return false;
        out.append(String.format(Locale.ROOT, "%n%-26s %-22s %-22s %-22s %-8s %s%n",
                "VM lifecycle (us/VM)", "raw C", "vmm4j", "rate vmm4j / raw C", "target", "verdict"));
        Optional<Figure> raw = Figure.of(result.get(), "rawC");
        Optional<Figure> vmm = Figure.of(result.get(), "vmm4j");
        Optional<Figure> rate = Figure.of(result.get(), "rateVmm4jOverRawC");
        if (raw.isEmpty() || vmm.isEmpty() || rate.isEmpty()) {
            out.append("create+run to HLT+close    (no samples)\n");
            return true;
        }
        out.append(String.format(Locale.ROOT, "%-26s %-22s %-22s %-22s >= %-5.2f %s%n", "create+run to HLT+close",
                raw.get().show("%6.0f"), vmm.get().show("%6.0f"), rate.get().show("%6.3fx"), LIFECYCLE_RATE_TARGET,
                verdict(rate.get(), LIFECYCLE_RATE_TARGET, false)));
        out.append(String.format(Locale.ROOT, "%-26s %6.0f VMs/s%10s %6.0f VMs/s%n", "  as a rate (from medians)",
                1e6 / raw.get().value, "", 1e6 / vmm.get().value));
        return true;
    }

    private static boolean control(Collection<RunResult> results, StringBuilder out) {
        boolean header = false;
        String[][] rows = {{PAUSE, "pause()+resume()"}, {STOP, "stop()"}};
        for (String[] row : rows) {
            Optional<RunResult> result = find(results, row[0]);
            if (result.isEmpty()) continue;
            if (!header) {
                out.append(String.format(Locale.ROOT, "%n%-26s %7s %8s %8s %8s %8s %8s  %-10s %s%n",
                        "Control, spinning VM (us)", "samples", "mean", "p50", "p90", "p99", "max", "target",
                        "verdict"));
                header = true;
            }
            Statistics s = result.get().getPrimaryResult().getStatistics();
            double p99 = s.getPercentile(99);
            out.append(String.format(Locale.ROOT, "%-26s %7d %8.1f %8.1f %8.1f %8.1f %8.1f  p99 <= %-4.0f %s%n",
                    row[1], s.getN(), s.getMean(), s.getPercentile(50), s.getPercentile(90), p99, s.getMax(),
                    CONTROL_TARGET_MICROS, p99 <= CONTROL_TARGET_MICROS ? "PASS" : "MISS"));
        }
        return header;
    }

    /** The result of {@code benchmark} run with the given parameter name/value pairs. */
    private static Optional<RunResult> find(Collection<RunResult> results, String benchmark, String... params) {
        outer:
        for (RunResult result : results) {
            if (!result.getParams().getBenchmark().equals(benchmark)) continue;
            for (int i = 0; i < params.length; i += 2) {
                if (!params[i + 1].equals(result.getParams().getParam(params[i]))) continue outer;
            }
            return Optional.of(result);
        }
        return Optional.empty();
    }
}
