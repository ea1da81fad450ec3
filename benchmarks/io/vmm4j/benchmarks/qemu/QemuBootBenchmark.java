package io.vmm4j.benchmarks.qemu;

import io.vmm4j.guests.BundledGuest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Process start to isa-debug-exit for the bundled Multiboot test kernel ({@code guests/src/multiboot.c},
 * 2 vCPUs, 64 MiB, one module): vmm4j's {@code qemu-system-x86_64} launcher (a fresh JVM each time)
 * against Debian's QEMU on KVM with {@code -M pc} (SeaBIOS) and {@code -M microvm}, in the same run.
 * Each invocation is one boot; the kernel must exit with status 67 (every check passed).
 *
 * <p>Ratios to report: {@code qemu-pc / vmm4j} and {@code qemu-microvm / vmm4j} of the mean times
 * (above 1: vmm4j boots faster).
 *
 * <p>System properties: {@code vmm4j.launcher} (default {@code target/bin/qemu-system-x86_64}, written by
 * the build) and {@code vmm4j.qemu} (default {@code qemu-system-x86_64} on the PATH).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 5)
@Fork(1)
@State(Scope.Benchmark)
public class QemuBootBenchmark {
    static final int PASS_STATUS = 67;

    @Param({"vmm4j", "qemu-pc", "qemu-microvm"})
    public String vmm;

    private Path dir;
    private List<String> command;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
        dir = Files.createTempDirectory("vmm4j-qemu-bench");
        Path kernel = Files.write(dir.resolve("multiboot.elf"), BundledGuest.MULTIBOOT.image());
        Path module = Files.writeString(dir.resolve("module.txt"), "vmm4j-module benchmark\n");
        List<String> guest = List.of(
                "-kernel",
                kernel.toString(),
                "-smp",
                "2",
                "-m",
                "64",
                "-append",
                "bench",
                "-initrd",
                module.toString(),
                "-device",
                "isa-debug-exit,iobase=0xf4,iosize=0x4",
                "-serial",
                "stdio",
                "-no-reboot",
                "-nodefaults");
        command = new ArrayList<>();
        switch (vmm) {
            case "vmm4j" -> command.add(System.getProperty("vmm4j.launcher", "target/bin/qemu-system-x86_64"));
            case "qemu-pc", "qemu-microvm" -> {
                command.add(System.getProperty("vmm4j.qemu", "qemu-system-x86_64"));
                command.addAll(List.of("-M", vmm.substring(5), "-accel", "kvm", "-display", "none"));
            }
            default -> throw new IllegalArgumentException("unknown vmm " + vmm);
        }
        command.addAll(guest);
        boot(); // fail fast, with the output, when a setup cannot run the kernel
    }

    @Benchmark
    public int bootToDebugExit() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        int status = process.waitFor();
        if (status != PASS_STATUS) throw new IllegalStateException(vmm + " exited with " + status + ": " + command);
        return status;
    }

    private void boot() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        if (status != PASS_STATUS) {
            throw new IllegalStateException(vmm + " exited with " + status + " (want " + PASS_STATUS + "): "
                    + String.join(" ", command) + "\n" + output);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) Files.delete(file);
        }
        Files.delete(dir);
    }
}
