package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VcpuExit;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Creating and closing VMs many times returns every fd and mapping. */
@RequiresKvm
class ResourceLeakTest {
    private static final int CYCLES = 1000;
    private static final long ALLOWED_RSS_GROWTH_KIB = 8 * 1024;

    @Test
    void thousandCreateRunCloseCyclesLeakNoFdsAndLittleMemory() throws Exception {
        byte[] guest = BundledGuest.PIO_LOOP.image();
        try (Hypervisor kvm = Kvm.open()) {
            // Warm up first: RSS climbs for about 1,000 VMs while the JIT compiles and malloc arenas
            // settle, then stays flat (measured over 4,000 more), so only a real leak shows after it.
            for (int i = 0; i < CYCLES; i++) cycle(kvm, guest, i % 2 == 0);
            System.gc();
            Set<String> fdsBefore = openFds();
            long rssBefore = rssKib();
            for (int i = 0; i < CYCLES; i++) cycle(kvm, guest, i % 2 == 0);
            System.gc();
            assertEquals(fdsBefore, openFds(), "open file descriptors after " + CYCLES + " VMs");
            long growth = rssKib() - rssBefore;
            assertTrue(growth < ALLOWED_RSS_GROWTH_KIB, "RSS grew by " + growth + " KiB over " + CYCLES + " VMs");
        }
    }

    /** One VM with 128 MiB: half of them run manually to HLT, half managed. */
    private static void cycle(Hypervisor kvm, byte[] guest, boolean managed) throws InterruptedException {
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memoryMiB(128).build())) {
            vm.addSerialPort("com1", 0x3f8, OutputStream.nullOutputStream());
            FlatBinaryBoot.load(vm, guest);
            Vcpu vcpu = vm.createVcpu(0);
            FlatBinaryBoot.enterProtectedMode(vcpu);
            // ECX=1 round of the loop against COM1's scratch register, then HLT.
            vcpu.setRegisters(vcpu.registers().with(io.vmm4j.api.Register.RCX, 1)
                    .with(io.vmm4j.api.Register.RDX, 0x3ff));
            if (managed) {
                vm.start();
                assertEquals(StopReason.Kind.HALTED, vm.awaitStop(Duration.ofSeconds(10)).orElseThrow().kind());
            } else {
                assertEquals(new VcpuExit.Halt(), vcpu.run());
            }
        }
    }

    /**
     * The fds of the kinds vmm4j opens (/dev/kvm, VM and vCPU anon inodes, memfds), as
     * "number -> target" so a failure shows what leaked. Other fds are the JVM's own, which opens
     * sockets and jars lazily.
     */
    private static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(ResourceLeakTest::describe)
                    .filter(fd -> fd.contains("anon_inode:") || fd.contains("/dev/kvm") || fd.contains("memfd:"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String describe(Path fd) {
        try {
            return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
        } catch (IOException e) {
            return fd.getFileName() + " -> (closed while listing)";  // the listing's own directory fd
        }
    }

    private static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
