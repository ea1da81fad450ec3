package io.vmm4j.builder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.arch.x86.acpi.AcpiPlatform;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Debian's kernel booted by vmm4j, checked up to its early log: on this project's hosts (nested
 * kvm_pvm) guest ring-0 code is emulated and the kernel dies later on an instruction the emulator
 * lacks, which vmm4j must report as an internal error, not hang on.
 */
@RequiresKvm
class LinuxVmBuilderTest {
    private static final long MEMORY_MIB = 256;
    private static final String COMMAND_LINE = LinuxVmBuilder.DEFAULT_COMMAND_LINE + " vmm4j.test=early-log";
    private static final Duration EARLY_LOG = Duration.ofMinutes(4);

    @Test
    void theDebianKernelPrintsOurCommandLineE820MapAndAcpiTables(Hypervisor kvm) throws Exception {
        ConsoleCapture console = new ConsoleCapture();
        try (LinuxVm linux = LinuxVmBuilder.kernel(DebianPackages.kernel()).commandLine(COMMAND_LINE)
                .memoryMiB(MEMORY_MIB).console(console).build(kvm)) {
            linux.vm().start();
            assertTrue(console.awaitLine("ACPI: APIC 0x", EARLY_LOG), "no MADT line in the early log:\n" + console.text());
            String log = console.text();

            assertTrue(log.contains("Linux version "), log);
            assertTrue(log.contains("Command line: " + COMMAND_LINE + "\n"), "command line differs:\n" + log);
            for (E820Entry entry : E820Map.forMemory(MEMORY_MIB << 20).entries()) {
                String line = String.format("BIOS-e820: [mem 0x%016x-0x%016x] %s", entry.address(), entry.end() - 1,
                        entry.type() == E820Entry.RAM ? "usable" : "reserved");
                assertTrue(log.contains(line), "missing e820 line '" + line + "':\n" + log);
            }
            assertTrue(log.contains("ACPI: RSDP 0x00000000000E0000 000024 (v02 " + AcpiPlatform.DEFAULT_OEM_ID + ")"), log);
            for (String table : new String[] {"XSDT", "FACP", "DSDT", "APIC"}) {
                assertTrue(log.lines().anyMatch(l -> l.contains("ACPI: " + table + " 0x")
                        && l.contains(AcpiPlatform.DEFAULT_OEM_ID + " " + AcpiPlatform.DEFAULT_OEM_TABLE_ID)),
                        "no " + table + " line with our OEM ids:\n" + log);
            }

            // Past the early log, this host's emulator meets an instruction it lacks (an internal
            // error); on hardware KVM the kernel panics without a root file system and reboots.
            Optional<StopReason> reason = linux.vm().awaitStop(Duration.ofMinutes(3));
            if (reason.isPresent()) {
                assertTrue(Set.of(StopReason.Kind.INTERNAL_ERROR, StopReason.Kind.SYSTEM_RESET).contains(reason.get().kind()),
                        "unexpected stop: " + reason.get() + "\n" + console.text());
            } else {
                linux.vm().stop();  // still booting: not a hang, the vCPU answers a stop
            }
        }
    }

    @Test
    void thePvhEntryBootsTheSameKernelAndVirtioDevicesCanBeNamedOnTheCommandLine(Hypervisor kvm) throws Exception {
        ConsoleCapture console = new ConsoleCapture();
        try (LinuxVm linux = LinuxVmBuilder.kernel(DebianPackages.kernel()).pvh(true).virtioOnCommandLine(true)
                .virtio(new VirtioDeviceConfig.Rng("rng")).memoryMiB(MEMORY_MIB).console(console).build(kvm)) {
            linux.vm().start();
            String expected = "Command line: " + LinuxVmBuilder.DEFAULT_COMMAND_LINE
                    + " virtio_mmio.device=4K@0xc0000000:5\n";
            assertTrue(console.awaitLine("Command line: ", EARLY_LOG), "no command line:\n" + console.text());
            assertTrue(console.text().contains(expected), "expected '" + expected + "' in:\n" + console.text());
            linux.vm().stop();
        }
    }
}
