package io.vmm4j.benchmarks;

import io.vmm4j.benchmarks.boot.LinuxBootBenchmark;
import io.vmm4j.benchmarks.qemu.QemuBootBenchmark;
import io.vmm4j.benchmarks.sandbox.SandboxBenchmark;
import io.vmm4j.benchmarks.sandbox.SandboxStartBenchmark;
import io.vmm4j.benchmarks.virtio.BlockThroughputBenchmark;
import io.vmm4j.benchmarks.virtio.NotifyLatencyBenchmark;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.Statistics;

/**
 * Turns JMH results into the one table of ratios against the baselines measured in the same run, with
 * the targets of the issues: exits, lifecycle and control (raw C), virtio-blk (raw pread/pwrite) and
 * notify latency, boot to isa-debug-exit (QEMU -M pc and microvm), Linux boot (bzImage path, QEMU microvm).
 */
final class RatioTable {
    static final double NATIVE_EXIT_TARGET = 1.01;
    static final double JAVA_EXIT_TARGET = 1.05;
    static final double LIFECYCLE_RATE_TARGET = 0.80;
    static final double CONTROL_TARGET_MICROS = 1000;
    static final double VIRTIO_BLK_TARGET = 0.90;
    static final double RESTORE_SIZE_TARGET = 1.2;

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
            return Optional.of(new Figure(
                    Rounds.median(array),
                    values.stream().mapToDouble(d -> d).min().orElseThrow(),
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
        List<String> notes = new ArrayList<>();
        out.append("==== vmm4j against baselines measured in this run ====\n");
        if (System.getenv("VMM4J_IN_KVM_VM") != null) {
            out.append(
                    "In the nested-KVM test VM: every instruction is emulated, so these figures are functional, not\n"
                            + "performance. Only ratios of the same code at two sizes carry over to hardware.\n");
        }
        if (exits(results, out) | lifecycle(results, out) | control(results, out)) {
            notes.add(
                    "Exits, lifecycle: median of the per-iteration values [lowest-highest iteration]. A per-iteration\n"
                            + "figure is the median over that iteration's rounds; a ratio is taken within each round\n"
                            + "(raw C and vmm4j run back to back).");
        }
        if (snapshots(results, out)) {
            notes.add("Snapshots: median of the per-iteration values [lowest-highest iteration]; each ratio is taken"
                    + " within a\n"
                    + "round (both sides back to back), then the median over rounds. Clone memory: extra PSS of the"
                    + " process\n"
                    + "per clone while " + RestoreBenchmark.CLONES + " run, each having read every page of the"
                    + " template's " + RestoreBenchmark.DIRTY_MIB + " MiB of data and written one;\n"
                    + "PSS splits a shared page among its mappings, so pages no clone wrote count once in all.");
        }
        if (virtio(results, out)) {
            notes.add("virtio-blk: median of the per-iteration requests/s [lowest-highest iteration]; GiB/s ="
                    + " requests/s\n"
                    + "x request size / 2^30. Each benchmark call runs virtio and a C pread/pwrite baseline on the"
                    + " same\n"
                    + "file back to back, alternating which goes first; the ratio is taken per iteration.");
        }
        if (notify(results, out)) {
            notes.add("Notify to interrupt: every call sampled; doorbell eventfd to interrupt eventfd through the I/O\n"
                    + "thread, without the guest's ioeventfd exit and KVM's irqfd injection. No target in the issue.");
        }
        if (qemuBoot(results, out)) {
            notes.add("Boot to isa-debug-exit: mean of the single shots [fastest-slowest], each a fresh process; the"
                    + " ratio\n"
                    + "is QEMU mean / vmm4j mean (above 1: vmm4j is faster), its range [fastest QEMU / slowest"
                    + " vmm4j -\n"
                    + "slowest QEMU / fastest vmm4j].");
        }
        if (linuxBoot(results, out)) {
            notes.add("Linux boot: one cold single shot per case. The end is the kernel's first line ('Linux version"
                    + " ...')\n"
                    + "on the serial console; 'first \\n"
                    + "' is the first line of any kind (under QEMU the 16-bit setup\n"
                    + "code's EDD probe). vmm4j is timed from start(), QEMU from process start, so QEMU's figure\n"
                    + "includes its loading of the kernel: compare it with vmm4j's 'with build'. Build ="
                    + " LinuxVmBuilder.build\n"
                    + "(load, and decompress on the host), the first in the fork (cold) and the median of the next"
                    + " ones (warm).");
        }
        if (sandbox(results, out)) {
            notes.add("Sandbox: median of the per-iteration means (round trips) or of the single shots (starts)\n"
                    + "[lowest-highest]; a ratio's range is [lowest / highest - highest / lowest]. exec('true') and\n"
                    + "PING go through the agent, the raw echo through the same device to a guest cat with no agent.\n"
                    + "Anchors on hardware: e2b create to first command about 0.44 s (median), Daytona 0.11 s;\n"
                    + "vendors' exec round trips 4-200 ms. No target in the issue.");
        }
        if (notes.isEmpty()) out.append("(no benchmark with a known table row ran)\n");
        out.append("\n");
        for (String note : notes) out.append(note).append('\n');
        if (out.indexOf(" verdict") >= 0) out.append("'*' after a verdict: the target lies inside the range.\n");
        return out.toString();
    }

    private static boolean exits(Collection<RunResult> results, StringBuilder out) {
        boolean header = false;
        for (Access access : Access.values()) {
            Optional<RunResult> result = find(results, EXIT, "access", access.name());
            if (result.isEmpty()) continue;
            if (!header) {
                out.append(String.format(
                        Locale.ROOT,
                        "%n%-26s %-22s %-22s %-22s %-8s %s%n",
                        "Exit round trip (us/exit)",
                        "raw C",
                        "vmm4j",
                        "vmm4j / raw C",
                        "target",
                        "verdict"));
                header = true;
            }
            Optional<Figure> raw = Figure.of(result.get(), "rawC");
            String[][] rows = {
                {"nativeDevice", "nativeOverRawC", "native dev"}, {"javaDevice", "javaOverRawC", "Java dev"}
            };
            for (String[] row : rows) {
                Optional<Figure> vmm = Figure.of(result.get(), row[0]);
                Optional<Figure> ratio = Figure.of(result.get(), row[1]);
                double target = row[0].equals("nativeDevice") ? NATIVE_EXIT_TARGET : JAVA_EXIT_TARGET;
                String label = access.label + ", " + row[2];
                if (raw.isEmpty() || vmm.isEmpty() || ratio.isEmpty()) {
                    out.append(String.format(Locale.ROOT, "%-26s (no samples)%n", label));
                    continue;
                }
                out.append(String.format(
                        Locale.ROOT,
                        "%-26s %-22s %-22s %-22s <= %-5.2f %s%n",
                        label,
                        raw.get().show("%6.2f"),
                        vmm.get().show("%6.2f"),
                        ratio.get().show("%6.3fx"),
                        target,
                        verdict(ratio.get(), target, true)));
            }
        }
        return header;
    }

    private static boolean lifecycle(Collection<RunResult> results, StringBuilder out) {
        Optional<RunResult> result = find(results, LIFECYCLE);
        if (result.isEmpty()) return false;
        out.append(String.format(
                Locale.ROOT,
                "%n%-26s %-22s %-22s %-22s %-8s %s%n",
                "VM lifecycle (us/VM)",
                "raw C",
                "vmm4j",
                "rate vmm4j / raw C",
                "target",
                "verdict"));
        Optional<Figure> raw = Figure.of(result.get(), "rawC");
        Optional<Figure> vmm = Figure.of(result.get(), "vmm4j");
        Optional<Figure> rate = Figure.of(result.get(), "rateVmm4jOverRawC");
        if (raw.isEmpty() || vmm.isEmpty() || rate.isEmpty()) {
            out.append("create+run to HLT+close    (no samples)\n");
            return true;
        }
        out.append(String.format(
                Locale.ROOT,
                "%-26s %-22s %-22s %-22s >= %-5.2f %s%n",
                "create+run to HLT+close",
                raw.get().show("%6.0f"),
                vmm.get().show("%6.0f"),
                rate.get().show("%6.3fx"),
                LIFECYCLE_RATE_TARGET,
                verdict(rate.get(), LIFECYCLE_RATE_TARGET, false)));
        out.append(String.format(
                Locale.ROOT,
                "%-26s %6.0f VMs/s%10s %6.0f VMs/s%n",
                "  as a rate (from medians)",
                1e6 / raw.get().value,
                "",
                1e6 / vmm.get().value));
        return true;
    }

    private static boolean control(Collection<RunResult> results, StringBuilder out) {
        boolean header = false;
        String[][] rows = {{PAUSE, "pause()+resume()"}, {STOP, "stop()"}};
        for (String[] row : rows) {
            Optional<RunResult> result = find(results, row[0]);
            if (result.isEmpty()) continue;
            if (!header) {
                out.append(String.format(
                        Locale.ROOT,
                        "%n%-26s %7s %8s %8s %8s %8s %8s  %-10s %s%n",
                        "Control, spinning VM (us)",
                        "samples",
                        "mean",
                        "p50",
                        "p90",
                        "p99",
                        "max",
                        "target",
                        "verdict"));
                header = true;
            }
            Statistics s = result.get().getPrimaryResult().getStatistics();
            double p99 = s.getPercentile(99);
            out.append(String.format(
                    Locale.ROOT,
                    "%-26s %7d %8.1f %8.1f %8.1f %8.1f %8.1f  p99 <= %-4.0f %s%n",
                    row[1],
                    s.getN(),
                    s.getMean(),
                    s.getPercentile(50),
                    s.getPercentile(90),
                    p99,
                    s.getMax(),
                    CONTROL_TARGET_MICROS,
                    p99 <= CONTROL_TARGET_MICROS ? "PASS" : "MISS"));
        }
        return header;
    }

    private static final String BLOCK = BlockThroughputBenchmark.class.getName() + ".";
    private static final String NOTIFY = NotifyLatencyBenchmark.class.getName() + ".notifyToInterrupt";
    private static final String QEMU_BOOT = QemuBootBenchmark.class.getName() + ".bootToDebugExit";
    private static final String LINUX_BOOT = LinuxBootBenchmark.class.getName() + ".startToFirstLine";

    /** One line per present figure: its name, its value, and its ratio to {@code baseline}. */
    private static void appendRows(
            StringBuilder out,
            Object[][] rows,
            String valueFormat,
            Optional<Figure> baseline,
            String ratioFormat,
            String noBaseline) {
        for (Object[] row : rows) {
            @SuppressWarnings("unchecked")
            Optional<Figure> figure = (Optional<Figure>) row[1];
            if (figure.isEmpty()) continue;
            out.append(String.format(
                    Locale.ROOT,
                    "%-30s %-26s %s%n",
                    row[0],
                    figure.get().show(valueFormat),
                    baseline.map(b -> ratio(figure.get(), b).show(ratioFormat)).orElse(noBaseline)));
        }
    }

    /** The median of the per-iteration primary scores, with their lowest and highest. */
    private static Optional<Figure> primary(RunResult result) {
        List<Double> values = new ArrayList<>();
        for (BenchmarkResult fork : result.getBenchmarkResults()) {
            for (IterationResult iteration : fork.getIterationResults())
                values.add(iteration.getPrimaryResult().getScore());
        }
        if (values.isEmpty()) return Optional.empty();
        double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
        return Optional.of(new Figure(
                Rounds.median(array),
                Arrays.stream(array).min().orElseThrow(),
                Arrays.stream(array).max().orElseThrow()));
    }

    /** numerator / denominator of the medians, over the widest range their iterations allow. */
    private static Figure ratio(Figure numerator, Figure denominator) {
        return new Figure(
                numerator.value / denominator.value,
                numerator.low / denominator.high,
                numerator.high / denominator.low);
    }

    private static final String RESTORE = RestoreBenchmark.class.getName() + ".";

    /** Issue 13 §6: restore latency against memory size, clones against cold VMs, snapshot writes, clone memory. */
    private static boolean snapshots(Collection<RunResult> results, StringBuilder out) {
        boolean any = false;
        String header = String.format(
                Locale.ROOT,
                "%n%-30s %-24s %-24s %-22s %-8s %s%n",
                "Snapshots (us)",
                "baseline",
                "vmm4j",
                "ratio",
                "target",
                "verdict");
        Optional<RunResult> restore = find(results, RESTORE + "restoreLatency");
        if (restore.isPresent()) {
            out.append(header);
            any = true;
            row(
                    restore.get(),
                    "restore 2 GiB vs 128 MiB",
                    "restore128MiB",
                    "restore2GiB",
                    "largeOverSmall",
                    out,
                    RESTORE_SIZE_TARGET);
        }
        Optional<RunResult> clones = find(results, RESTORE + "cloneRate");
        if (clones.isPresent()) {
            if (!any) out.append(header);
            any = true;
            row(clones.get(), "clone rate vs cold boot", "coldVm", "cloneVm", "cloneRateOverCold", out, 0);
        }
        Optional<RunResult> write = find(results, RESTORE + "snapshotWrite");
        if (write.isPresent()) {
            if (!any) out.append(header);
            any = true;
            RunResult r = write.get();
            row(r, "full snapshot vs plain write", "rawWrite", "fullSnapshot", "fullOverRawWrite", out, 0);
            row(r, "diff snapshot vs plain write", "rawWrite", "diffSnapshot", "diffOverRawWrite", out, 0);
            Optional<Figure> pause = Figure.of(r, "diffPauseMsPerGiB");
            Optional<Figure> raw = Figure.of(r, "rawWrite");
            Optional<Figure> diff = Figure.of(r, "diffSnapshot");
            if (pause.isPresent() && raw.isPresent() && diff.isPresent()) {
                // The plain write's ms per GiB: its time over the diff's bytes (the same bytes, by construction).
                double gib = (double) RestoreBenchmark.DIRTY_MIB / 1024;
                out.append(String.format(
                        Locale.ROOT,
                        "%-30s %-24s %-24s %-22s%n",
                        "diff pause, ms per GiB dirty",
                        String.format(Locale.ROOT, "%8.0f (plain write)", raw.get().value / 1000 / gib),
                        pause.get().show("%8.0f"),
                        String.format(Locale.ROOT, "%6.3fx", pause.get().value / (raw.get().value / 1000 / gib))));
            }
        }
        Optional<RunResult> memory = find(results, RESTORE + "cloneMemory");
        if (memory.isPresent()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%n%-30s %-28s %-24s %s%n",
                    "Clone memory (" + RestoreBenchmark.CLONES + " running)",
                    "extra PSS per clone",
                    "PSS / guest memory",
                    "anon PSS / guest memory"));
            any = true;
            Optional<Figure> kib = Figure.of(memory.get(), "extraPssPerCloneKiB");
            Optional<Figure> fraction = Figure.of(memory.get(), "extraPssOverGuestMemory");
            Optional<Figure> anon = Figure.of(memory.get(), "extraAnonOverGuestMemory");
            Optional<Figure> data = Figure.of(memory.get(), "readDataOverGuestMemory");
            if (kib.isEmpty() || fraction.isEmpty() || anon.isEmpty() || data.isEmpty()) {
                out.append("(no samples)\n");
            } else {
                out.append(String.format(
                        Locale.ROOT,
                        "%-30s %-28s %-24s %s%n",
                        "128 MiB guest",
                        kib.get().show("%7.0f KiB"),
                        fraction.get().show("%7.4f"),
                        anon.get().show("%7.4f")));
                out.append(String.format(
                        Locale.ROOT,
                        "%-30s %.4f (a copy of the data each clone read)%n",
                        "  baseline: copy per clone",
                        data.get().value));
            }
        }
        return any;
    }

    /** One row: a baseline, vmm4j and their per-round ratio, with a target when it is not 0. */
    private static void row(
            RunResult result,
            String label,
            String baseline,
            String vmm4j,
            String ratio,
            StringBuilder out,
            double atMostTarget) {
        Optional<Figure> base = Figure.of(result, baseline);
        Optional<Figure> vmm = Figure.of(result, vmm4j);
        Optional<Figure> r = Figure.of(result, ratio);
        if (base.isEmpty() || vmm.isEmpty() || r.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%-30s (no samples)%n", label));
            return;
        }
        out.append(String.format(
                Locale.ROOT,
                "%-30s %-24s %-24s %-22s %-8s %s%n",
                label,
                base.get().show("%8.0f"),
                vmm.get().show("%8.0f"),
                r.get().show("%6.3fx"),
                atMostTarget > 0 ? String.format(Locale.ROOT, "<= %-5.2f", atMostTarget) : "-",
                atMostTarget > 0 ? verdict(r.get(), atMostTarget, true) : ""));
    }

    private static boolean virtio(Collection<RunResult> results, StringBuilder out) {
        boolean header = false;
        Object[][] cases = {
            {"random4k", BlockThroughputBenchmark.SMALL, "4 KiB random"},
            {"sequential1m", BlockThroughputBenchmark.LARGE, "1 MiB sequential"}
        };
        for (Object[] c : cases) {
            for (String direction : new String[] {"read", "write"}) {
                for (String guestWait : new String[] {"haltPoll", "sleep"}) {
                    Optional<RunResult> result =
                            find(results, BLOCK + c[0], "direction", direction, "guestWait", guestWait);
                    if (result.isEmpty()) continue;
                    if (!header) {
                        out.append(String.format(
                                Locale.ROOT,
                                "%n%-36s %-22s %-22s %-22s %-8s %s%n",
                                "virtio-blk (requests/s)",
                                "raw pread/pwrite",
                                "virtio",
                                "virtio / raw",
                                "target",
                                "verdict"));
                        header = true;
                    }
                    block(result.get(), c[2] + " " + direction, guestWait.equals("haltPoll"), (Integer) c[1], out);
                }
            }
        }
        if (header) {
            out.append("The target applies to a guest that halt-polls as KVM's default does; the 'guest sleeps'\n"
                    + "rows show the cost of waking a sleeping driver thread for every interrupt.\n");
        }
        return header;
    }

    private static void block(RunResult result, String label, boolean haltPoll, int bytes, StringBuilder out) {
        if (!haltPoll) label += ", guest sleeps";
        // Both sides run in the same benchmark call, interleaved; the ratio is taken per round.
        Optional<Figure> raw = Figure.of(result, "rawRequestsPerSecond");
        Optional<Figure> virtio = Figure.of(result, "virtioRequestsPerSecond");
        Optional<Figure> ratio = Figure.of(result, "virtioOverRaw");
        if (raw.isEmpty() || virtio.isEmpty() || ratio.isEmpty()) {
            out.append(String.format(Locale.ROOT, "%-36s (no samples)%n", label));
            return;
        }
        String target = haltPoll ? String.format(Locale.ROOT, ">= %-5.2f", VIRTIO_BLK_TARGET) : "-";
        String verdict = haltPoll ? verdict(ratio.get(), VIRTIO_BLK_TARGET, false) : "";
        out.append(String.format(
                Locale.ROOT,
                "%-36s %-22s %-22s %-22s %-8s %s%n",
                label,
                raw.get().show("%7.0f"),
                virtio.get().show("%7.0f"),
                ratio.get().show("%6.3fx"),
                target,
                verdict));
        double gib = (double) bytes / (1L << 30);
        out.append(String.format(
                Locale.ROOT,
                "%-36s %7.3f GiB/s%9s %7.3f GiB/s%n",
                "  GiB/s (from medians)",
                raw.get().value * gib,
                "",
                virtio.get().value * gib));
    }

    private static boolean notify(Collection<RunResult> results, StringBuilder out) {
        Optional<RunResult> result = findMode(results, NOTIFY, Mode.SampleTime);
        if (result.isEmpty()) return false;
        out.append(String.format(
                Locale.ROOT,
                "%n%-26s %7s %8s %8s %8s %8s %8s  %s%n",
                "virtio notify->irq (us)",
                "samples",
                "mean",
                "p50",
                "p90",
                "p99",
                "max",
                "target"));
        Statistics s = result.get().getPrimaryResult().getStatistics();
        out.append(String.format(
                Locale.ROOT,
                "%-26s %7d %8.1f %8.1f %8.1f %8.1f %8.1f  (none)%n",
                "rng request, I/O thread",
                s.getN(),
                s.getMean(),
                s.getPercentile(50),
                s.getPercentile(90),
                s.getPercentile(99),
                s.getMax()));
        return true;
    }

    private static boolean qemuBoot(Collection<RunResult> results, StringBuilder out) {
        Optional<RunResult> vmm4j = find(results, QEMU_BOOT, "vmm", "vmm4j");
        String[][] peers = {{"qemu-pc", "QEMU -M pc"}, {"qemu-microvm", "QEMU -M microvm"}};
        if (vmm4j.isEmpty()
                && Arrays.stream(peers)
                        .allMatch(p -> find(results, QEMU_BOOT, "vmm", p[0]).isEmpty())) {
            return false;
        }
        out.append(String.format(
                Locale.ROOT,
                "%n%-26s %6s %-22s %-22s%n",
                "Start to debug-exit (ms)",
                "boots",
                "mean [fastest-slowest]",
                "QEMU / vmm4j (>1: vmm4j faster)"));
        Optional<Figure> base = vmm4j.map(RatioTable::shots);
        out.append(String.format(
                Locale.ROOT,
                "%-26s %6s %-22s%n",
                "vmm4j qemu-system-x86_64",
                vmm4j.map(r -> Long.toString(
                                r.getPrimaryResult().getStatistics().getN()))
                        .orElse("-"),
                base.map(f -> f.show("%7.1f")).orElse("(not run)")));
        for (String[] peer : peers) {
            Optional<RunResult> result = find(results, QEMU_BOOT, "vmm", peer[0]);
            if (result.isEmpty()) continue;
            Figure figure = shots(result.get());
            out.append(String.format(
                    Locale.ROOT,
                    "%-26s %6d %-22s %s%n",
                    peer[1],
                    result.get().getPrimaryResult().getStatistics().getN(),
                    figure.show("%7.1f"),
                    base.map(b -> ratio(figure, b).show("%6.2fx")).orElse("(no vmm4j figure)")));
        }
        return true;
    }

    /** The mean of the single shots, with the fastest and slowest. */
    private static Figure shots(RunResult result) {
        Statistics s = result.getPrimaryResult().getStatistics();
        return new Figure(s.getMean(), s.getMin(), s.getMax());
    }

    private static boolean linuxBoot(Collection<RunResult> results, StringBuilder out) {
        String[][] paths = {
            {"vmm4j-decompressed", "vmm4j, decompressed on host"},
            {"vmm4j-bzimage", "vmm4j, bzImage (guest)"},
            {"qemu-microvm", "QEMU -M microvm (bzImage)"}
        };
        double[] line = new double[paths.length];
        double[] withBuild = new double[paths.length];
        boolean any = false;
        for (int i = 0; i < paths.length; i++) {
            line[i] = withBuild[i] = Double.NaN;
            Optional<RunResult> result = find(results, LINUX_BOOT, "path", paths[i][0]);
            if (result.isEmpty()) continue;
            if (!any) {
                out.append(String.format(
                        Locale.ROOT,
                        "%n%-29s %11s %11s %11s %11s %11s%n",
                        "Linux boot (s), 1 shot each",
                        "to 1st line",
                        "first \\n",
                        "build cold",
                        "build warm",
                        "with build"));
                any = true;
            }
            line[i] = result.get().getPrimaryResult().getScore();
            Optional<Figure> cold = Figure.of(result.get(), "buildColdSeconds");
            Optional<Figure> warm = Figure.of(result.get(), "buildWarmSeconds");
            Optional<Figure> newline = Figure.of(result.get(), "firstNewlineSeconds");
            withBuild[i] = line[i] + cold.map(Figure::value).orElse(0.0);
            out.append(String.format(
                    Locale.ROOT,
                    "%-29s %11.2f %11s %11s %11s %11.2f%n",
                    paths[i][1],
                    line[i],
                    seconds(newline),
                    seconds(cold),
                    seconds(warm),
                    withBuild[i]));
        }
        if (!any) return false;
        String[][] ratios = {
            {"0", "1", "host-decompressed / bzImage"},
            {"0", "2", "vmm4j decompressed / QEMU"},
            {"1", "2", "vmm4j bzImage / QEMU"}
        };
        boolean ratioHeader = false;
        for (String[] r : ratios) {
            int a = Integer.parseInt(r[0]);
            int b = Integer.parseInt(r[1]);
            if (Double.isNaN(line[a]) || Double.isNaN(line[b])) continue;
            if (!ratioHeader) {
                out.append(String.format(
                        Locale.ROOT, "%-29s %11s %11s%n", "  time ratios (<1: faster)", "to 1st line", "with build"));
                ratioHeader = true;
            }
            out.append(String.format(
                    Locale.ROOT, "  %-27s %10.3fx %10.3fx%n", r[2], line[a] / line[b], withBuild[a] / withBuild[b]));
        }
        return true;
    }

    private static final String SANDBOX = SandboxBenchmark.class.getName() + ".";
    private static final String SANDBOX_START = SandboxStartBenchmark.class.getName() + ".";

    /** The agent's round trips against the raw echo, and the starts: pooled against cold. */
    private static boolean sandbox(Collection<RunResult> results, StringBuilder out) {
        Optional<Figure> exec = find(results, SANDBOX + "execTrue").map(RatioTable::perIteration);
        Optional<Figure> ping = find(results, SANDBOX + "agentPing").map(RatioTable::perIteration);
        Optional<Figure> echo = find(results, SANDBOX + "rawEcho").map(RatioTable::perIteration);
        Optional<Figure> cold = find(results, SANDBOX_START + "cold").map(RatioTable::perIteration);
        Optional<Figure> pooled = find(results, SANDBOX_START + "pooled").map(RatioTable::perIteration);
        Optional<Figure> template = find(results, SANDBOX_START + "template").map(RatioTable::perIteration);
        boolean roundTrips = exec.isPresent() || ping.isPresent() || echo.isPresent();
        if (roundTrips) {
            out.append(String.format(
                    Locale.ROOT, "%n%-30s %-26s %-26s%n", "Sandbox round trip (us)", "time", "/ raw echo"));
            Object[][] rows = {{"raw virtio-console echo", echo}, {"agent PING/PONG", ping}, {"exec('true')", exec}};
            appendRows(out, rows, "%9.1f", echo, "%7.2fx", "(no raw echo)");
        }
        if (cold.isPresent() || pooled.isPresent() || template.isPresent()) {
            out.append(String.format(
                    Locale.ROOT, "%n%-30s %-26s %-26s%n", "Sandbox start to 1st exec (ms)", "time", "/ cold boot"));
            Object[][] rows = {{"cold boot", cold}, {"from the pool (warm)", pooled}, {"from a template", template}};
            appendRows(out, rows, "%9.1f", cold, "%7.3fx", "(no cold boot)");
        }
        return roundTrips || cold.isPresent() || pooled.isPresent() || template.isPresent();
    }

    /** The median of the per-iteration primary scores (a single shot's time, or an iteration's mean). */
    private static Figure perIteration(RunResult result) {
        List<Double> values = new ArrayList<>();
        for (BenchmarkResult fork : result.getBenchmarkResults()) {
            for (IterationResult iteration : fork.getIterationResults()) {
                values.add(iteration.getPrimaryResult().getScore());
            }
        }
        double[] array = values.stream().mapToDouble(Double::doubleValue).toArray();
        return new Figure(
                Rounds.median(array),
                values.stream().mapToDouble(d -> d).min().orElse(Double.NaN),
                values.stream().mapToDouble(d -> d).max().orElse(Double.NaN));
    }

    private static String seconds(Optional<Figure> figure) {
        return figure.map(f -> String.format(Locale.ROOT, "%.2f", f.value)).orElse("-");
    }

    /** The result of {@code benchmark} in {@code mode}. */
    private static Optional<RunResult> findMode(Collection<RunResult> results, String benchmark, Mode mode) {
        return results.stream()
                .filter(r -> r.getParams().getBenchmark().equals(benchmark)
                        && r.getParams().getMode() == mode)
                .findFirst();
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
