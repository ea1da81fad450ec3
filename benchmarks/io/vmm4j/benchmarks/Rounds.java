package io.vmm4j.benchmarks;

import java.util.Arrays;

/**
 * Timings of interleaved rounds: in each round every variant (raw C, vmm4j, ...) runs once, back to
 * back, so that a variant and its baseline always share the same moment of a noisy, shared machine.
 * Ratios are taken within a round, then the median over rounds.
 */
final class Rounds {
    private final int variants;
    private long[][] nanos;
    private int count;

    Rounds(int variants) {
        this.variants = variants;
        reset();
    }

    void reset() {
        nanos = new long[variants][256];
        count = 0;
    }

    /** Runs {@code body} for {@code variant} of the current round and records its duration. */
    void time(int variant, Runnable body) {
        if (count == nanos[variant].length) {
            for (int v = 0; v < variants; v++) nanos[v] = Arrays.copyOf(nanos[v], count * 2);
        }
        long start = System.nanoTime();
        body.run();
        nanos[variant][count] = System.nanoTime() - start;
    }

    /** Closes the current round; every variant must have been timed in it. */
    void endRound() {
        count++;
    }

    /** The median duration of {@code variant} in microseconds per operation. */
    double medianMicros(int variant, int operationsPerRun) {
        if (count == 0) return Double.NaN;
        double[] values = new double[count];
        for (int r = 0; r < count; r++) values[r] = nanos[variant][r] / 1000.0 / operationsPerRun;
        return median(values);
    }

    /** The median over rounds of duration(numerator) / duration(denominator). */
    double medianRatio(int numerator, int denominator) {
        if (count == 0) return Double.NaN;
        double[] values = new double[count];
        for (int r = 0; r < count; r++) values[r] = (double) nanos[numerator][r] / nanos[denominator][r];
        return median(values);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
