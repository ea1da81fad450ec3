package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.VmState;
import io.vmm4j.api.x86.Register;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.RequiresKvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@RequiresKvm
class IrqchipTest {
    @Test
    void withTheIrqchipHltWaitsInTheKernelAndStopStillEndsIt(Hypervisor kvm) throws Exception {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(4).irqchip(true).build())) {
            vm.addNullDevice("sink", io.vmm4j.api.AddressSpace.PIO, 0x600, 1);
            FlatBinaryBoot.load(vm, BundledGuest.PIO_LOOP.image());
            Vcpu vcpu = vm.createVcpu(0);
            FlatBinaryBoot.enterProtectedMode(vcpu);
            vcpu.setRegisters(vcpu.registers().with(Register.RCX, 1).with(Register.RDX, 0x600));
            vm.start();
            assertTrue(vm.awaitStop(Duration.ofMillis(100)).isEmpty(), "HLT must not end the vCPU");
            vm.setIrqLevel(9, true);
            vm.setIrqLevel(9, false);
            vm.stop();
            assertEquals(VmState.STOPPED, vm.state());
            assertEquals(
                    StopReason.Kind.STOP_REQUESTED,
                    vm.stopReason().orElseThrow().kind());
        }
    }

    @Test
    void irqLinesNeedTheIrqchip(Hypervisor kvm) {
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memoryMiB(4).build())) {
            var error = assertThrows(IllegalStateException.class, () -> vm.setIrqLevel(4, true));
            assertTrue(error.getMessage().contains("irqchip"), error.getMessage());
        }
    }
}
