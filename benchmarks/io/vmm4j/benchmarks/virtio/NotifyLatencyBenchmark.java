package io.vmm4j.benchmarks.virtio;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.devices.virtio.VirtioFeatures;
import io.vmm4j.devices.virtio.VirtqDriver;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.kvm.VirtioTestHooks;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Notify-to-interrupt latency of the native queue path: publish one 16-byte virtio-rng request, ring
 * the queue's doorbell eventfd (what KVM's ioeventfd signals on the guest's QueueNotify write), and
 * wait on the interrupt eventfd (what KVM's irqfd consumes) until the I/O thread has served it. The
 * VM has no in-kernel irqchip, so the interrupt eventfd is ours to read. Excludes the guest's ~1 µs
 * ioeventfd exit and the irqfd injection, which are KVM's.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class NotifyLatencyBenchmark {
    private Hypervisor kvm;
    private VirtualMachine vm;
    private VirtqDriver driver;

    @Setup(Level.Trial)
    public void setUp() {
        kvm = Kvm.open();
        vm = kvm.createVm(VmConfig.builder().memoryMiB(8).build());
        vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
        driver = new VirtqDriver(vm, "rng", 0x10_0000, 256, 1);
        if (driver.start(VirtioFeatures.VERSION_1) != 0xf) throw new IllegalStateException("rng did not start");
        driver.descriptor(0, 0, 0x20_0000, 16, VirtqDriver.DESC_WRITE, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        vm.close();
        kvm.close();
    }

    @Benchmark
    public boolean notifyToInterrupt() {
        driver.publish(0, 0);
        driver.notify(0);
        return VirtioTestHooks.awaitInterrupt(vm, "rng", 1000);
    }
}
