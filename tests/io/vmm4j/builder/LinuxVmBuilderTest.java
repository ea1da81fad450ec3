package io.vmm4j.builder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Debian's kernel started by vmm4j's other ways in, checked up to its command line. The boot to user
 * space, with the early log's e820 map and ACPI tables, is {@link FullLinuxBootTest}.
 */
@RequiresKvm
class LinuxVmBuilderTest {
    private static final long MEMORY_MIB = 256;
    private static final Duration EARLY_LOG = Duration.ofMinutes(4);

    @Test
    void thePvhEntryBootsTheSameKernelAndVirtioDevicesCanBeNamedOnTheCommandLine(Hypervisor kvm) throws Exception {
        ConsoleCapture console = new ConsoleCapture();
        try (LinuxVm linux = LinuxVmBuilder.kernel(DebianPackages.kernel())
                .pvh(true)
                .virtioOnCommandLine(true)
                .virtio(new VirtioDeviceConfig.Rng("rng"))
                .memoryMiB(MEMORY_MIB)
                .console(console)
                .build(kvm)) {
            linux.vm().start();
            String expected =
                    "Command line: " + LinuxVmBuilder.DEFAULT_COMMAND_LINE + " virtio_mmio.device=4K@0xc0000000:5\n";
            assertTrue(console.awaitLine("Command line: ", EARLY_LOG), "no command line:\n" + console.text());
            assertTrue(console.text().contains(expected), "expected '" + expected + "' in:\n" + console.text());
            linux.vm().stop();
        }
    }
}
