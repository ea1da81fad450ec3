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

/**
 * Creating and closing VMs many times returns every fd and mapping, and leaves RSS flat.
 *
 * <p>Why these numbers: each VM costs about 0.1-0.15 s in the nested-KVM test VM (every VM exit and
 * syscall is emulated there), so 2 x 1,000 VMs ran past 188 s; {@value #WARMUP} + {@value #CYCLES} take
 * about a minute there and a second or two on hardware. They still catch:
 * <ul>
 *   <li>one fd leaked per VM: the fds of vmm4j's kinds must be exactly the same set afterwards, so
 *       {@value #CYCLES} VMs x 1 fd is {@value #CYCLES} extra fds against a tolerance of 0;
 *   <li>guest RAM left mapped: {@value #CYCLES} x {@value #MEMORY_MIB} MiB of address space against a
 *       tolerance of {@value #ALLOWED_VMSIZE_GROWTH_MIB} MiB (glibc arenas and thread stacks), where RSS
 *       alone would show only the few pages each guest touches;
 *   <li>a few MiB of RSS: {@value #ALLOWED_RSS_GROWTH_KIB} KiB over {@value #CYCLES} VMs, so any leak of
 *       about 41 KiB or more per VM. Measured in the nested VM with the tests' fixed, pre-touched heap,
 *       RSS rose 0.4 MiB from VM 50 to VM 175, so the warm-up and the tolerance leave room for that drift.
 * </ul>
 */
@RequiresKvm
class ResourceLeakTest {
    private static final int WARMUP = 200;
    private static final int CYCLES = 200;
    private static final int MEMORY_MIB = 128;
    private static final long ALLOWED_RSS_GROWTH_KIB = 8 * 1024;
    private static final long ALLOWED_VMSIZE_GROWTH_MIB = 10 * MEMORY_MIB;

    @Test
    void createRunCloseCyclesLeakNoFdsNoMappingsAndLittleMemory() throws Exception {
        byte[] guest = BundledGuest.PIO_LOOP.image();
        try (Hypervisor kvm = Kvm.open()) {
            // Warm up first: the JIT compiles and malloc settles while the first VMs run.
            for (int i = 0; i < WARMUP; i++) cycle(kvm, guest, i % 2 == 0);
            System.gc();
            Set<String> fdsBefore = openFds();
            long rssBefore = statusKib("VmRSS:");
            long vmSizeBefore = statusKib("VmSize:");
            for (int i = 0; i < CYCLES; i++) cycle(kvm, guest, i % 2 == 0);
            System.gc();
            assertEquals(fdsBefore, openFds(), "open file descriptors after " + CYCLES + " VMs");
            long vmSizeGrowth = statusKib("VmSize:") - vmSizeBefore;
            assertTrue(
                    vmSizeGrowth < ALLOWED_VMSIZE_GROWTH_MIB * 1024,
                    "address space grew by " + vmSizeGrowth + " KiB over " + CYCLES + " VMs of " + MEMORY_MIB + " MiB");
            long growth = statusKib("VmRSS:") - rssBefore;
            assertTrue(growth < ALLOWED_RSS_GROWTH_KIB, "RSS grew by " + growth + " KiB over " + CYCLES + " VMs");
        }
    }

    /** One VM with {@value #MEMORY_MIB} MiB: half of them run manually to HLT, half managed. */
    private static void cycle(Hypervisor kvm, byte[] guest, boolean managed) throws InterruptedException {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(MEMORY_MIB).build())) {
            vm.addSerialPort("com1", 0x3f8, OutputStream.nullOutputStream());
            FlatBinaryBoot.load(vm, guest);
            Vcpu vcpu = vm.createVcpu(0);
            FlatBinaryBoot.enterProtectedMode(vcpu);
            // ECX=1 round of the loop against COM1's scratch register, then HLT.
            vcpu.setRegisters(
                    vcpu.registers().with(io.vmm4j.api.x86.Register.RCX, 1).with(io.vmm4j.api.x86.Register.RDX, 0x3ff));
            if (managed) {
                vm.start();
                assertEquals(
                        StopReason.Kind.HALTED,
                        vm.awaitStop(Duration.ofSeconds(10)).orElseThrow().kind());
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
            return fd.getFileName() + " -> (closed while listing)"; // the listing's own directory fd
        }
    }

    /** A "Vm...: N kB" line of /proc/self/status, in KiB. */
    private static long statusKib(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field)) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
