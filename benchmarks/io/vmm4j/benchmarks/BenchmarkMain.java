package io.vmm4j.benchmarks;

import io.vmm4j.benchmarks.baseline.RawKvm;
import io.vmm4j.benchmarks.boot.LinuxBootBenchmark;
import io.vmm4j.benchmarks.qemu.QemuBootBenchmark;
import io.vmm4j.benchmarks.sandbox.SandboxBenchmark;
import io.vmm4j.kvm.Kvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the vmm4j benchmarks with JMH and prints each vmm4j figure against the baseline measured in
 * the same run ({@link RatioTable}). Arguments are JMH include regexes (default: every benchmark
 * here except {@link LinuxBootBenchmark}), such as {@code ExitLatency}, {@code Lifecycle},
 * {@code PauseStop.stop}, {@code virtio} or {@code QemuBoot}; {@code -p} restricts a parameter
 * (e.g. {@code -p access=PIO_OUT}):
 *
 * <pre>
 *   BenchmarkMain [regex ...] [-p name=v1,v2 ...]
 * </pre>
 *
 * {@link LinuxBootBenchmark} takes minutes on hosts that emulate guest ring-0 code, so it runs only
 * when an argument names it ({@code LinuxBoot}).
 *
 * <p>Each benchmark class carries its own fork, warm-up and measurement counts (1 fork, 3 × 1 s
 * warm-up, 5 × 1 s measurement for most; single shots for the boots). These system properties
 * override them for every selected benchmark: {@code bench.forks}, {@code bench.warmups},
 * {@code bench.iterations}, {@code bench.seconds} (per iteration).
 *
 * <p>Before JMH starts, a run that selects a benchmark needing QEMU ({@link #QEMU_USERS}) fails with
 * exit status 2 if {@code qemu-system-x86_64} (or {@code -Dvmm4j.qemu}) is not there. Nothing is
 * installed.
 */
public final class BenchmarkMain {
    static final String LINUX_BOOT = "LinuxBoot";
    /** The sandbox benchmarks boot Linux too: they run only when an argument names them. */
    static final String SANDBOX = "Sandbox";

    /** A benchmark that runs QEMU for some values of a parameter. */
    record QemuUser(String benchmark, String param, Set<String> values) {}

    static final List<QemuUser> QEMU_USERS = List.of(
            new QemuUser(
                    QemuBootBenchmark.class.getName() + ".bootToDebugExit", "vmm", Set.of("qemu-pc", "qemu-microvm")),
            new QemuUser(LinuxBootBenchmark.class.getName() + ".startToFirstLine", "path", Set.of("qemu-microvm")));

    private BenchmarkMain() {}

    public static void main(String[] args) throws RunnerException {
        List<String> includes = new ArrayList<>();
        List<String> excludes = new ArrayList<>();
        Map<String, String[]> params = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-p") && i + 1 < args.length) {
                String[] param = args[++i].split("=", 2);
                if (param.length != 2) throw new IllegalArgumentException("-p wants name=v1,v2, got " + args[i]);
                params.put(param[0], param[1].split(","));
            } else if (args[i].equals("-h") || args[i].equals("--help")) {
                System.out.println("usage: benchmarks/run [JMH include regex ...] [-p param=v1,v2 ...]\n"
                        + "LinuxBootBenchmark runs only when named: benchmarks/run LinuxBoot");
                return;
            } else {
                includes.add(args[i]);
            }
        }
        if (includes.isEmpty()) includes.add(BenchmarkMain.class.getPackageName() + "\\..*Benchmark\\..*");
        if (includes.stream().noneMatch(regex -> regex.contains(LINUX_BOOT))) {
            excludes.add(Pattern.quote(LinuxBootBenchmark.class.getName() + "."));
        }
        if (includes.stream().noneMatch(regex -> regex.contains(SANDBOX))) {
            excludes.add(Pattern.quote(SandboxBenchmark.class.getPackageName() + "."));
        }

        List<String> needQemu = qemuUsers(includes, excludes, params);
        if (!needQemu.isEmpty()) {
            String qemu = System.getProperty("vmm4j.qemu", "qemu-system-x86_64");
            if (!isExecutable(qemu)) {
                System.err.println("benchmarks/run: " + String.join(", ", needQemu)
                        + (needQemu.size() == 1 ? " runs " : " run ") + qemu
                        + ", which is not " + (qemu.contains("/") ? "an executable file" : "on the PATH") + ".\n"
                        + "  Install"
                        + " Debian's"
                        + " QEMU"
                        + " (this"
                        + " script"
                        + " installs"
                        + " nothing):"
                        + "  apt-get"
                        + " install"
                        + " -y qemu-system-x86\n"
                        + "  or point"
                        + " -Dvmm4j.qemu=/path/to/qemu-system-x86_64"
                        + " at one"
                        + " (in JAVA_OPTS),\n"
                        + "  or leave"
                        + " QEMU"
                        + " out: -p"
                        + " vmm=vmm4j"
                        + " (QemuBoot),"
                        + " -p path=vmm4j-decompressed,vmm4j-bzimage"
                        + " (LinuxBoot),"
                        + " or name"
                        + " only"
                        + " other"
                        + " benchmarks.");
                System.exit(2);
            }
        }

        Kvm.ensureAvailability();
        RawKvm.load();

        ChainedOptionsBuilder options = new OptionsBuilder().shouldFailOnError(true);
        Integer forks = Integer.getInteger("bench.forks");
        Integer warmups = Integer.getInteger("bench.warmups");
        Integer iterations = Integer.getInteger("bench.iterations");
        Integer seconds = Integer.getInteger("bench.seconds");
        if (forks != null) options.forks(forks);
        if (warmups != null) options.warmupIterations(warmups);
        if (iterations != null) options.measurementIterations(iterations);
        if (seconds != null) {
            options.warmupTime(TimeValue.seconds(seconds));
            options.measurementTime(TimeValue.seconds(seconds));
        }
        params.forEach(options::param);
        includes.forEach(options::include);
        excludes.forEach(options::exclude);

        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println();
        System.out.print(RatioTable.render(results));
    }

    /** The QEMU-running benchmarks that the includes, excludes and parameters select (JMH's find() semantics). */
    static List<String> qemuUsers(List<String> includes, List<String> excludes, Map<String, String[]> params) {
        return QEMU_USERS.stream()
                .filter(user -> includes.stream()
                        .anyMatch(regex ->
                                Pattern.compile(regex).matcher(user.benchmark()).find()))
                .filter(user -> excludes.stream()
                        .noneMatch(regex ->
                                Pattern.compile(regex).matcher(user.benchmark()).find()))
                .filter(user -> !params.containsKey(user.param())
                        || Arrays.stream(params.get(user.param())).anyMatch(user.values()::contains))
                .map(user -> user.benchmark()
                        .substring(user.benchmark()
                                        .lastIndexOf('.', user.benchmark().lastIndexOf('.') - 1)
                                + 1))
                .collect(Collectors.toList());
    }

    private static boolean isExecutable(String command) {
        if (command.contains("/")) return Files.isExecutable(Paths.get(command));
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path candidate = Paths.get(dir, command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return true;
        }
        return false;
    }
}
