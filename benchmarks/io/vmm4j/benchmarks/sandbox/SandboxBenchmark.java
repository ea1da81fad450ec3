package io.vmm4j.benchmarks.sandbox;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioConsole;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.builder.Initramfs;
import io.vmm4j.builder.LinuxVmBuilder;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.sandbox.Sandbox;
import io.vmm4j.sandbox.image.SandboxImage;
import io.vmm4j.testing.DebianPackages;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * The agent's overhead on a round trip, in one run and through the same kind of device (a vmm4j virtio-console,
 * the guest's {@code /dev/hvc0} in raw mode):
 * <ul>
 *   <li>{@code execTrue}: {@code sandbox.exec("true")}: an EXEC frame, fork and exec in the guest, STARTED, EXIT;
 *   <li>{@code agentPing}: the agent's PING/PONG, one frame each way;
 *   <li>{@code rawEcho}: one byte to a guest {@code cat} on the raw {@code /dev/hvc0} and back, with no agent.
 * </ul>
 * {@code RatioTable} prints {@code execTrue / rawEcho} (what the agent and a process spawn cost over the
 * transport) and {@code agentPing / rawEcho} (the agent's framing alone). Each benchmark boots only the VM it uses
 * (its own {@link State}): the sandbox, or an echo VM of the same kernel, 1 vCPU, 256 MiB. Not in the default
 * selection (each fork boots Linux): {@code benchmarks/run 'SandboxBenchmark'}. In the nested-KVM test VM, report
 * ratios only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Timeout(time = 10, timeUnit = TimeUnit.MINUTES)
public class SandboxBenchmark {
    /** A sandbox of the default image. */
    @State(Scope.Benchmark)
    public static class Agent {
        private Hypervisor kvm;
        private Sandbox sandbox;

        @Setup(Level.Trial)
        public void start() {
            kvm = Kvm.open();
            sandbox = Sandbox.builder()
                    .hypervisor(kvm)
                    .image(DebianPackages.sandboxImage())
                    .start();
            sandbox.ping(Duration.ofSeconds(30));
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (sandbox != null) sandbox.close();
            if (kvm != null) kvm.close();
        }
    }

    /** A VM of the same kernel whose init echoes every byte of the raw virtio-console back, with {@code cat}. */
    @State(Scope.Benchmark)
    public static class RawEcho {
        private Hypervisor kvm;
        private LinuxVm echoVm;
        private VirtioConsole console;
        private final Echo echo = new Echo();
        private final byte[] one = {'x'};

        @Setup(Level.Trial)
        public void start() throws Exception {
            SandboxImage image = DebianPackages.sandboxImage();
            kvm = Kvm.open();
            Path initrd = Files.createTempFile("vmm4j-echo", ".cpio");
            try {
                Initramfs echoImage = new Initramfs()
                        .directory("bin")
                        .file("bin/busybox", 0755, Files.readAllBytes(DebianPackages.busybox()))
                        .file("init", 0755, INIT.getBytes(StandardCharsets.US_ASCII));
                for (String module : MODULES) {
                    echoImage.file(module + ".ko", 0644, Files.readAllBytes(DebianPackages.kernelModule(module)));
                }
                echoImage.writeTo(initrd);
                echoVm = LinuxVmBuilder.kernel(image.kernel())
                        .initrd(initrd)
                        .commandLine(SandboxImage.DEFAULT_COMMAND_LINE)
                        .memoryMiB(256)
                        .virtio(new VirtioDeviceConfig.Console("echo", echo))
                        .build(kvm);
                echoVm.vm().start();
                console = echoVm.vm().virtioConsole("echo");
                echo.awaitMoreThan("ready".length(), Duration.ofMinutes(5)); // "ready\n": cat reads the raw tty
            } finally {
                Files.deleteIfExists(initrd);
            }
        }

        @TearDown(Level.Trial)
        public void stop() {
            if (echoVm != null) echoVm.close();
            if (kvm != null) kvm.close();
        }

        long roundTrip() throws InterruptedException {
            long before = echo.received();
            while (console.sendInput(one) == 0) Thread.onSpinWait();
            echo.awaitMoreThan(before, Duration.ofSeconds(30));
            return before;
        }
    }

    private static final List<String> MODULES = List.of("virtio_ring", "virtio", "virtio_mmio", "virtio_console");

    private static final String INIT = String.join(
            "\n",
            "#!/bin/busybox sh",
            "/bin/busybox --install -s /bin",
            "mkdir -p /dev /proc && mount -t devtmpfs devtmpfs /dev && mount -t proc proc /proc",
            "for m in " + String.join(" ", MODULES) + "; do insmod /$m.ko; done",
            "while [ ! -c /dev/hvc0 ]; do sleep 0.05; done",
            "stty -F /dev/hvc0 raw -echo",
            "echo ready > /dev/hvc0",
            "exec cat /dev/hvc0 > /dev/hvc0",
            "");

    /** The echo VM's console output: counts bytes and wakes the waiter. */
    static final class Echo extends OutputStream {
        private long received;

        @Override
        public synchronized void write(int b) {
            received++;
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] bytes, int offset, int length) {
            received += length;
            notifyAll();
        }

        synchronized long received() {
            return received;
        }

        synchronized void awaitMoreThan(long count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (received <= count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new IllegalStateException("no echo within " + timeout.toSeconds() + " s");
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
    }

    @Benchmark
    public int execTrue(Agent agent) {
        return agent.sandbox.exec("true").exitCode();
    }

    @Benchmark
    public Duration agentPing(Agent agent) {
        return agent.sandbox.ping(Duration.ofSeconds(30));
    }

    @Benchmark
    public long rawEcho(RawEcho echo) throws InterruptedException {
        return echo.roundTrip();
    }
}
