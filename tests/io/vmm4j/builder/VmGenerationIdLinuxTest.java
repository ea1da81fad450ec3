package io.vmm4j.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.GenerationId;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.testing.BusyboxInit;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's generic kernel (the cloud kernel has no CONFIG_VMGENID) boots with the VM Generation ID
 * that LinuxVmBuilder adds by default: Linux's vmgenid driver binds to the ACPI VGEN device and evged
 * to the Generic Event Device. The host then changes the id and pulses the GED's interrupt: the guest
 * counts one GED interrupt, and the driver, which reseeds only when the id it reads has changed, makes
 * the kernel log "crng reseeded due to virtual machine fork" once.
 */
@RequiresKvm
class VmGenerationIdLinuxTest {
    private static final String COMMAND_LINE = LinuxVmBuilder.DEFAULT_COMMAND_LINE + " rdinit=/init";
    private static final Duration BOOT = Duration.ofMinutes(4);
    /** What add_vmfork_randomness logs; vmgenid calls it only when the id it reads has changed. */
    private static final String RESEED = "crng reseeded due to virtual machine fork";

    private static final String[] INIT = {
        "echo \"VMM4J-VMGENID $(ls /sys/bus/acpi/drivers/vmgenid | grep VMMJ0001)\"",
        "echo \"VMM4J-GED $(ls /sys/bus/platform/drivers/acpi-ged | grep ACPI0013)\"",
        "echo \"VMM4J-GED-IRQ-BEFORE $(grep -i ged /proc/interrupts | tr -s ' ')\"",
        // The reseed is logged only once the RNG is ready; wait for that, up to 30 s.
        "end=$(($(date +%s) + 30))",
        "while ! dmesg | grep -q 'crng init done' && [ $(date +%s) -lt $end ]; do sleep 0.1; done",
        "echo VMM4J-READY",
        // Linux 6.1's vmgenid logs its reseed (add_vmfork_randomness); later kernels also send a uevent.
        "end=$(($(date +%s) + 30))",
        "while ! dmesg | grep -q '" + RESEED + "' && [ $(date +%s) -lt $end ]; do sleep 0.1; done",
        "echo \"VMM4J-GED-IRQ-AFTER $(grep -i ged /proc/interrupts | tr -s ' ')\"",
        "echo \"VMM4J-RESEEDS $(dmesg | grep -c '" + RESEED + "')\"",
        "echo VMM4J-DONE",
        "reboot -f",
    };

    @Test
    void linuxBindsTheDeviceAndSeesTheIdChange(Hypervisor kvm, @TempDir Path dir) throws Exception {
        Path initrd = BusyboxInit.write(dir.resolve("initramfs.cpio"), INIT);
        ConsoleCapture console = new ConsoleCapture();
        try (LinuxVm linux = LinuxVmBuilder.kernel(DebianPackages.genericKernel())
                .initrd(initrd)
                .commandLine(COMMAND_LINE)
                .memoryMiB(256)
                .console(console)
                .build(kvm)) {
            GenerationId generationId = linux.vmGenerationId().orElseThrow();
            byte[] first = generationId.id();
            assertFalse(Arrays.equals(new byte[GenerationId.SIZE], first), "an id was written at build time");
            linux.vm().start();
            assertTrue(console.awaitLine("VMM4J-READY", BOOT), "no READY line:\n" + console.text());
            byte[] second = generationId.regenerate();
            assertFalse(Arrays.equals(first, second));
            assertTrue(Arrays.equals(second, generationId.id()), "the new id is in guest memory");
            StopReason reason =
                    linux.vm().awaitStop(BOOT).orElseThrow(() -> new AssertionError("no reboot:\n" + console.text()));
            String log = console.text();
            assertEquals(StopReason.Kind.SYSTEM_RESET, reason.kind(), reason + "\n" + log);
            assertEquals("VMMJ0001:00", field(log, "VMM4J-VMGENID"), "the vmgenid driver is bound:\n" + log);
            assertEquals("ACPI0013:00", field(log, "VMM4J-GED"), "evged is bound:\n" + log);
            assertEquals("1", field(log, "VMM4J-RESEEDS"), "vmgenid saw the new id once, after the notify:\n" + log);
            assertTrue(log.matches("(?s).*VMM4J-GED-IRQ-BEFORE +\\d+: +0 .*"), "no GED interrupt at boot:\n" + log);
            assertTrue(log.matches("(?s).*VMM4J-GED-IRQ-AFTER +\\d+: +1 .*"), "one GED interrupt:\n" + log);
            assertTrue(log.contains("VMM4J-DONE\n"), log);
            assertFalse(log.contains("Call Trace"), log);
        }
    }

    private static String field(String log, String name) {
        Matcher match =
                Pattern.compile("(?m)^" + Pattern.quote(name) + " (.*)$").matcher(log);
        if (!match.find()) throw new AssertionError("no '" + name + "' line from the guest:\n" + log);
        return match.group(1).strip();
    }
}
