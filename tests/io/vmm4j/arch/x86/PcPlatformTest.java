package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.RequiresKvm;
import java.io.OutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@RequiresKvm
class PcPlatformTest {
    @Test
    void aGuestRebootThroughTheI8042EndsTheVmWithSystemReset(Hypervisor kvm) throws Exception {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(4).irqchip(true).build())) {
            PcPlatform.install(vm, OutputStream.nullOutputStream());
            FlatBinaryBoot.load(vm, BundledGuest.REBOOT.image());
            Vcpu vcpu = vm.createVcpu(0);
            FlatBinaryBoot.enterProtectedMode(vcpu);
            vm.start();
            assertEquals(
                    StopReason.Kind.SYSTEM_RESET,
                    vm.awaitStop(Duration.ofSeconds(10)).orElseThrow().kind());
        }
    }

    @Test
    void thePlatformNeedsTheIrqchip(Hypervisor kvm) {
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memoryMiB(4).build())) {
            assertThrows(IllegalArgumentException.class, () -> PcPlatform.install(vm, OutputStream.nullOutputStream()));
        }
    }
}
