package io.vmm4j.benchmarks;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.benchmarks.baseline.RawKvm;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.kvm.UpcallTestHooks;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The upcall path of a Java device alone, without KVM: a native loop on the benchmark thread calls
 * the installed upcall {@value #CALLS} times, exactly as a vCPU's exits would (JNI crossing, the
 * dispatcher, the vCPU and device lookups, the device's monitor, and for reads the exit-info store).
 * The difference between {@code ExitLatencyBenchmark}'s Java and native devices minus this figure is
 * what the exit itself adds on top (caches and TLB after a guest entry).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@OperationsPerInvocation(UpcallBenchmark.CALLS)
public class UpcallBenchmark {
    static final int CALLS = 1000;
    private static final String DEVICE = "bench";

    @Param({"false", "true"})
    public boolean write;

    private Hypervisor kvm;
    private VirtualMachine vm;
    private Vcpu vcpu;
    private UpcallTestHooks.Target target;

    @Setup(Level.Trial)
    public void setUp() {
        kvm = Kvm.open();
        vm = kvm.createVm(LoopGuests.CONFIG);
        vm.addIoDevice(DEVICE, AddressSpace.PIO, Access.PORT, 1, new CountingDevice());
        vcpu = vm.createVcpu(0);
        target = UpcallTestHooks.target(vm, vcpu, DEVICE);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        vm.close();
        kvm.close();
    }

    @Benchmark
    public long upcall() {
        long elapsed =
                RawKvm.bench_upcall_loop(target.upcall(), target.vcpuKey(), target.deviceKey(), write ? 1 : 0, CALLS);
        if (elapsed < 0) throw new IllegalStateException("an upcall failed");
        return elapsed;
    }
}
