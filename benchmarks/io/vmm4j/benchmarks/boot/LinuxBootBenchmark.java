package io.vmm4j.benchmarks.boot;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VmState;
import io.vmm4j.arch.x86.boot.KernelLoader.BzImageMode;
import io.vmm4j.builder.LinuxVmBuilder;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.testing.DebianPackages;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Timeout;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to the Linux kernel's first console line, for Debian's {@code linux-image-cloud-amd64} kernel
 * (a bzImage with an LZ4 payload), in one run:
 * <ul>
 *   <li>{@code vmm4j-decompressed}: {@link LinuxVmBuilder} with {@link BzImageMode#DECOMPRESS_ON_HOST};
 *       timed from {@code vm.start()};
 *   <li>{@code vmm4j-bzimage}: {@link BzImageMode#DECOMPRESS_IN_GUEST}, the guest runs the kernel's own
 *       decompressor; timed from {@code vm.start()};
 *   <li>{@code qemu-microvm}: Debian's {@code qemu-system-x86_64 -M microvm -accel kvm} on the same file,
 *       timed from process start; killed once the line is out.
 * </ul>
 * All three get the same command line ({@link LinuxVmBuilder#DEFAULT_COMMAND_LINE}, with
 * {@code earlyprintk=serial}), 256 MiB and 1 vCPU.
 *
 * <p>The end point is the end ({@code '\n'}) of the first console line that contains
 * {@code "Linux version "}: the kernel's own first line, replayed by the early console. Under vmm4j that
 * is the first line on COM1 at all. QEMU enters the bzImage through its 16-bit setup code, which
 * prints {@code Probing EDD (edd=off to disable)... ok} first; the time to that first line is reported
 * as the secondary figure {@code firstNewlineSeconds}.
 *
 * <p>Also reported (secondary, vmm4j only): {@code buildColdSeconds}, the first {@code LinuxVmBuilder.build}
 * in the fork (loading, and for the decompressed path decompressing the payload, with cold JIT), and
 * {@code buildWarmSeconds}, the median of the next {@value #WARM_BUILDS} builds.
 *
 * <p>On this project's hosts guest ring-0 code is emulated (nested kvm_pvm), so one boot takes from
 * about half a minute to a few minutes: one cold single shot per case, no warm-up. It is not part of the
 * default selection of {@code BenchmarkMain}; name it ({@code benchmarks/run LinuxBoot}).
 *
 * <p>System properties: {@code vmm4j.kernel} (default: the Debian kernel, fetched with
 * {@code apt-get download} into {@code target/debian-packages/}), {@code vmm4j.qemu} (default
 * {@code qemu-system-x86_64} on the PATH).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(1)
@Timeout(time = 15, timeUnit = TimeUnit.MINUTES)
@State(Scope.Benchmark)
public class LinuxBootBenchmark {
    static final String MARKER = "Linux version ";
    static final int MEMORY_MIB = 256;
    static final int WARM_BUILDS = 3;
    /** The longest a boot may take to its first line before the benchmark fails. */
    static final long BOOT_LIMIT_MILLIS = TimeUnit.MINUTES.toMillis(12);

    @Param({"vmm4j-decompressed", "vmm4j-bzimage", "qemu-microvm"})
    public String path;

    private Path kernel;
    private Hypervisor kvm;
    private LinuxVm linux;
    private double buildColdSeconds = Double.NaN;
    private double buildWarmSeconds = Double.NaN;
    private List<String> qemuCommand;
    private Path qemuErrors;
    private Process qemu;
    private ConsoleClock clock;

    /** The secondary figures of a boot, in seconds. NaN where they do not apply. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Figures {
        public double buildColdSeconds = Double.NaN;
        public double buildWarmSeconds = Double.NaN;
        public double firstNewlineSeconds = Double.NaN;
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String override = System.getProperty("vmm4j.kernel");
        kernel = override != null ? Paths.get(override) : DebianPackages.kernel();
        if (!Files.isReadable(kernel)) throw new IllegalStateException("cannot read the kernel " + kernel);
        clock = new ConsoleClock(MARKER);
        switch (path) {
            case "vmm4j-decompressed" -> buildVmm4j(BzImageMode.DECOMPRESS_ON_HOST);
            case "vmm4j-bzimage" -> buildVmm4j(BzImageMode.DECOMPRESS_IN_GUEST);
            case "qemu-microvm" -> {
                qemuCommand = List.of(
                        System.getProperty("vmm4j.qemu", "qemu-system-x86_64"),
                        "-M",
                        "microvm",
                        "-accel",
                        "kvm",
                        "-m",
                        Integer.toString(MEMORY_MIB),
                        "-smp",
                        "1",
                        "-kernel",
                        kernel.toString(),
                        "-append",
                        LinuxVmBuilder.DEFAULT_COMMAND_LINE,
                        "-serial",
                        "stdio",
                        "-display",
                        "none",
                        "-nodefaults",
                        "-no-reboot");
                qemuErrors = Files.createTempFile("vmm4j-linux-boot-qemu", ".stderr");
            }
            default -> throw new IllegalArgumentException("unknown path " + path);
        }
    }

    /** Builds {@code 1 + WARM_BUILDS} VMs, timing each; keeps the last one for the boot. */
    private void buildVmm4j(BzImageMode mode) {
        kvm = Kvm.open();
        double[] warm = new double[WARM_BUILDS];
        for (int i = 0; i <= WARM_BUILDS; i++) {
            LinuxVmBuilder builder = LinuxVmBuilder.kernel(kernel)
                    .bzImageMode(mode)
                    .memoryMiB(MEMORY_MIB)
                    .vcpus(1);
            if (i == WARM_BUILDS) builder.console(clock);
            long begin = System.nanoTime();
            LinuxVm built = builder.build(kvm);
            double seconds = (System.nanoTime() - begin) / 1e9;
            if (i == 0) buildColdSeconds = seconds;
            else warm[i - 1] = seconds;
            if (i < WARM_BUILDS) built.close();
            else linux = built;
        }
        Arrays.sort(warm);
        buildWarmSeconds = warm[WARM_BUILDS / 2];
    }

    @Benchmark
    public long startToFirstLine(Figures figures) throws IOException, InterruptedException {
        long begin = System.nanoTime();
        long end;
        if (linux != null) {
            linux.vm().start();
            end = awaitLine(
                    () -> linux.vm().state() != VmState.STOPPED,
                    () -> "the VM stopped (" + linux.vm().stopReason().orElse(null) + ")");
        } else {
            qemu = new ProcessBuilder(qemuCommand)
                    .redirectError(qemuErrors.toFile())
                    .start();
            Thread reader = new Thread(() -> copy(qemu.getInputStream()), "qemu-stdout");
            reader.setDaemon(true);
            reader.start();
            end = awaitLine(qemu::isAlive, () -> "QEMU exited with " + qemu.exitValue() + ", stderr:\n" + stderr());
        }
        figures.buildColdSeconds = buildColdSeconds;
        figures.buildWarmSeconds = buildWarmSeconds;
        figures.firstNewlineSeconds = (clock.firstNewline() - begin) / 1e9;
        return end - begin;
    }

    private long awaitLine(java.util.function.BooleanSupplier running, java.util.function.Supplier<String> why)
            throws InterruptedException {
        long deadline = System.nanoTime() + BOOT_LIMIT_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            long end = clock.awaitMarkerLine(200);
            if (end >= 0) return end;
            if (!running.getAsBoolean() && clock.awaitMarkerLine(500) < 0) {
                throw new IllegalStateException(
                        path + ": no line with '" + MARKER + "' and " + why.get() + "\nconsole:\n" + clock.text());
            }
        }
        throw new IllegalStateException(path + ": no line with '" + MARKER + "' within " + BOOT_LIMIT_MILLIS
                + " ms; console:\n" + clock.text());
    }

    private void copy(InputStream in) {
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) clock.write(buffer, 0, n);
        } catch (IOException e) {
            // the process was killed
        }
    }

    private String stderr() {
        try {
            return Files.readString(qemuErrors, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(cannot read " + qemuErrors + ": " + e + ")";
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        System.out.println("\n" + path + ": first console line: " + clock.firstLine());
        if (linux != null) linux.close();
        if (kvm != null) kvm.close();
        if (qemu != null) {
            qemu.destroyForcibly();
            qemu.waitFor(30, TimeUnit.SECONDS);
        }
        if (qemuErrors != null) Files.deleteIfExists(qemuErrors);
    }
}
