package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** INIT/SIPI through the in-kernel LAPIC: every AP starts and reports its APIC id. */
@RequiresKvm
class SmpBootTest {
    private static final int DONE = 0x5D0E5D0E;

    @Test
    void everyApplicationProcessorStartsAndReportsItsApicId() throws Exception {
        int cpus = 4;
        try (Hypervisor kvm = Kvm.open();
                VirtualMachine vm = kvm.createVm(VmConfig.builder()
                        .vcpuCount(cpus)
                        .memoryMiB(4)
                        .irqchip(true)
                        .build())) {
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            vm.addSerialPort("com1", IsaPorts.COM1, console);
            FlatBinaryBoot.load(vm, BundledGuest.SMP.image());
            for (int id = 0; id < cpus; id++) {
                Vcpu vcpu = vm.createVcpu(id);
                BootCpuState.apply(vcpu, true);
            }
            FlatBinaryBoot.enterProtectedMode(vm.vcpus().get(0));
            vm.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (vm.memory().readInt(BundledGuest.MAILBOX + 8) != DONE) {
                assertTrue(System.nanoTime() < deadline, "guest never finished; console: " + console);
                Thread.sleep(2);
            }
            vm.stop();
            assertEquals("smp: cpus=4 bsp=0 aps=1,2,3\n", console.toString(StandardCharsets.US_ASCII));
        }
    }

    @Test
    void bootStateSetsMsrsAndLintWiring(Hypervisor kvm) {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(2).irqchip(true).build())) {
            Vcpu vcpu = vm.createVcpu(0);
            BootCpuState.apply(vcpu, true);
            Map<Integer, Long> msrs = vcpu.readMsrs(BootCpuState.MSR_IA32_MISC_ENABLE, BootCpuState.MSR_MTRR_DEF_TYPE);
            assertEquals(1L, msrs.get(BootCpuState.MSR_IA32_MISC_ENABLE) & 1, "fast strings");
            assertEquals(0x806L, msrs.get(BootCpuState.MSR_MTRR_DEF_TYPE));
            byte[] lapic = vcpu.localApicState();
            assertEquals(0x7, (lapic[0x351] & 0x7), "LINT0 ExtINT");
            assertEquals(0x4, (lapic[0x361] & 0x7), "LINT1 NMI");
        }
    }
}
