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
 * The agent's overhead on a round trip, in one run and through the same kind of device:
 * <ul>
 *   <li>{@code execTrue}: {@code sandbox.exec("true")}: an EXEC frame, fork and exec in the guest, STARTED, EXIT;
 *   <li>{@code agentPing}: the agent's PING/PONG, one frame each way;
 *   <li>{@code rawEcho}: one byte through a second VM's virtio-console to a guest {@code cat} on the raw
 *       {@code /dev/hvc0} and back, with no agent.
 * </ul>
 * The ratio {@code execTrue / rawEcho} is what the agent and a process spawn cost over the transport. Both VMs
 * run Debian's cloud kernel, 1 vCPU, 256 MiB. Not in the default selection (each setup boots Linux): {@code
 * benchmarks/run Sandbox}. In the nested-KVM test VM, report ratios only.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Timeout(time = 10, timeUnit = TimeUnit.MINUTES)
@State(Scope.Benchmark)
public class SandboxBenchmark {
    private Hypervisor kvm;
    private Sandbox sandbox;
    private LinuxVm echoVm;
    private VirtioConsole echoConsole;
    private final Echo echo = new Echo();
    private final byte[] one = {'x'};

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

        synchronized void awaitMoreThan(long count) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (received <= count) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("no echo within 30 s");
                wait(1);
            }
        }
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        SandboxImage image = DebianPackages.sandboxImage();
        kvm = Kvm.open();
        sandbox = Sandbox.builder().hypervisor(kvm).image(image).start();
        Path initrd = Files.createTempFile("vmm4j-echo", ".cpio");
        Initramfs echoImage = new Initramfs()
                .directory("bin")
                .file("bin/busybox", 0755, Files.readAllBytes(DebianPackages.busybox()))
                .file(
                        "init",
                        0755,
                        String.join(
                                        "\n",
                                        "#!/bin/busybox sh",
                                        "/bin/busybox --install -s /bin",
                                        "mkdir -p /dev /proc && mount -t devtmpfs devtmpfs /dev && mount -t proc proc"
                                                + " /proc",
                                        "for m in virtio_ring virtio virtio_mmio virtio_console; do insmod /$m.ko;"
                                                + " done",
                                        "while [ ! -c /dev/hvc0 ]; do sleep 0.05; done",
                                        "stty -F /dev/hvc0 raw -echo",
                                        "echo ready > /dev/hvc0",
                                        "exec cat /dev/hvc0 > /dev/hvc0",
                                        "")
                                .getBytes(StandardCharsets.US_ASCII));
        for (String module : List.of("virtio_ring", "virtio", "virtio_mmio", "virtio_console")) {
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
        echoConsole = echoVm.vm().virtioConsole("echo");
        echo.awaitMoreThan("ready".length()); // "ready\n": cat is reading the raw tty
        Files.delete(initrd);
        sandbox.ping(Duration.ofSeconds(30));
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (sandbox != null) sandbox.close();
        if (echoVm != null) echoVm.close();
        if (kvm != null) kvm.close();
    }

    @Benchmark
    public int execTrue() {
        return sandbox.exec("true").exitCode();
    }

    @Benchmark
    public Duration agentPing() {
        return sandbox.ping(Duration.ofSeconds(30));
    }

    @Benchmark
    public long rawEcho() throws InterruptedException {
        long before = echo.received();
        while (echoConsole.sendInput(one) == 0) Thread.onSpinWait();
        echo.awaitMoreThan(before);
        return before;
    }
}
