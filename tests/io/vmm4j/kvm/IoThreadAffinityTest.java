package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.VmmException;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** VmConfig.ioThreadCpus: where the VM's virtio I/O thread may run. */
@RequiresKvm
class IoThreadAffinityTest {
    @Test
    void theIoThreadRunsOnlyOnTheConfiguredCpu(Hypervisor kvm) throws IOException {
        int cpu = Runtime.getRuntime().availableProcessors() - 1;
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(16).ioThreadCpus(cpu).build())) {
            Set<String> before = ioThreads();
            vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng")); // starts the I/O thread
            Set<String> started = ioThreads();
            started.removeAll(before);
            assertEquals(1, started.size(), "one new I/O thread: " + started);
            String status = Files.readString(
                    Path.of("/proc/self/task", started.iterator().next(), "status"));
            assertTrue(status.contains("Cpus_allowed_list:\t" + cpu + "\n"), status);
        }
    }

    @Test
    void aCpuTheKernelRefusesFailsTheFirstDeviceNamingIt(Hypervisor kvm) throws IOException {
        int offline = 1000; // inside CPU_SETSIZE, but no such CPU here
        try (VirtualMachine vm = kvm.createVm(
                VmConfig.builder().memoryMiB(16).ioThreadCpus(offline).build())) {
            Set<String> before = ioThreads();
            VmmException error =
                    assertThrows(VmmException.class, () -> vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng")));
            assertTrue(error.getMessage().contains("pthread_setaffinity_np"), error.getMessage());
            assertTrue(error.getMessage().contains("CPUs 1000"), error.getMessage());
            assertTrue(before.containsAll(ioThreads()), "the refused thread was stopped and joined");
        }
    }

    @Test
    void impossibleCpusAreRefusedUpFront(Hypervisor kvm) {
        assertThrows(
                IllegalArgumentException.class,
                () -> VmConfig.builder().ioThreadCpus(-1).build());
        IllegalArgumentException error = assertThrows(
                IllegalArgumentException.class,
                () -> kvm.createVm(VmConfig.builder()
                                .memoryMiB(16)
                                .ioThreadCpus(1 << 20)
                                .build())
                        .close());
        assertTrue(error.getMessage().contains("no CPU 1048576"), error.getMessage());
    }

    private static Set<String> ioThreads() throws IOException {
        Set<String> threads = new HashSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).trim().equals("vmm4j-virtio-io")) {
                        threads.add(task.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // the thread exited while we listed
                }
            }
        }
        return threads;
    }
}
