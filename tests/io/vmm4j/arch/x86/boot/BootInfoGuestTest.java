package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.arch.x86.IsaPorts;
import io.vmm4j.arch.x86.acpi.AcpiPlatform;
import io.vmm4j.arch.x86.acpi.AcpiTables;
import io.vmm4j.arch.x86.boot.LinuxBootSetup.BootOptions;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.RequiresKvm;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * A guest entered through the Linux 64-bit boot protocol reads boot_params, the e820 map and the
 * ACPI RSDP from its own memory and reports them: what we wrote is what a kernel would see.
 */
@RequiresKvm
class BootInfoGuestTest {
    private static final long MEMORY = 64L << 20;
    private static final String COMMAND_LINE = "console=ttyS0 vmm4j.boot-info=1";

    @Test
    void theGuestSeesOurCommandLineE820MapAndRsdp(Hypervisor kvm) throws Exception {
        ConsoleCapture console = new ConsoleCapture();
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memorySize(MEMORY).build())) {
            vm.addSerialPort("com1", IsaPorts.COM1, console);
            byte[] image = BundledGuest.BOOT_INFO.image();
            FlatBinaryBoot.load(vm, image);
            AcpiTables acpi = AcpiTables.build(AcpiPlatform.of(1, List.of(), true));
            vm.memory().write(acpi.baseAddress(), acpi.image());
            LoadedKernel guest = new LoadedKernel(
                    BootProtocol.LINUX_64,
                    FlatBinaryBoot.LOAD_ADDRESS,
                    FlatBinaryBoot.LOAD_ADDRESS,
                    FlatBinaryBoot.LOAD_ADDRESS + image.length,
                    FlatBinaryBoot.LOAD_ADDRESS + image.length,
                    SetupHeader.forElfKernel(),
                    OptionalLong.empty());
            LinuxBootSetup.linux64(
                            vm.memory(),
                            guest,
                            BootOptions.of(CommandLine.of(COMMAND_LINE)).withAcpiRsdp(AcpiTables.rsdpAddress()))
                    .applyTo(vm.createVcpu(0));
            vm.start();
            assertEquals(
                    StopReason.Kind.HALTED,
                    vm.awaitStop(Duration.ofSeconds(20)).orElseThrow().kind(),
                    console.text());

            StringBuilder expected = new StringBuilder("cmdline: " + COMMAND_LINE + "\n");
            for (E820Entry entry : E820Map.forMemory(MEMORY).entries()) {
                expected.append(
                        String.format("e820: 0x%016x 0x%016x %d%n", entry.address(), entry.size(), entry.type()));
            }
            expected.append(String.format(
                    "rsdp: 0x%016x \"RSD PTR \" rev 2 xsdt 0x%016x \"XSDT\" first \"FACP\"%n",
                    AcpiTables.rsdpAddress(), acpi.table("XSDT").address()));
            assertEquals(expected.toString(), console.text());
        }
    }
}
