package io.vmm4j.builder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.builder.LinuxVmBuilder.LinuxVm;
import io.vmm4j.testing.ConsoleCapture;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.Initramfs;
import io.vmm4j.testing.RequiresKvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's kernel booted to user space: a busybox initramfs whose init prints a marker and reboots.
 * It needs hardware KVM (on nested kvm_pvm the kernel dies in its early boot), so it is tagged
 * {@code full-boot} and runs only when VMM4J_FULL_BOOT is set (see the README).
 */
@RequiresKvm
@Tag("full-boot")
class FullLinuxBootTest {
    private static final String MARKER = "VMM4J-FULL-BOOT-OK";

    @Test
    void busyboxInitPrintsItsMarkerAndTheRebootEndsTheVm(Hypervisor kvm, @TempDir Path dir) throws Exception {
        String init = "#!/bin/busybox sh\n/bin/busybox echo " + MARKER + "\n/bin/busybox reboot -f\n";
        byte[] image = new Initramfs().directory("bin").file("bin/busybox", 0755, Files.readAllBytes(DebianPackages.busybox()))
                .file("init", 0755, init.getBytes(StandardCharsets.US_ASCII)).toBytes();
        Path initrd = Files.write(dir.resolve("initramfs.cpio"), image);
        ConsoleCapture console = new ConsoleCapture();
        try (LinuxVm linux = LinuxVmBuilder.kernel(DebianPackages.kernel()).initrd(initrd)
                .commandLine(LinuxVmBuilder.DEFAULT_COMMAND_LINE + " rdinit=/init").vcpus(2).memoryMiB(256)
                .console(console).build(kvm)) {
            linux.vm().start();
            // The reboot after the marker ends the VM; a VM that ends without the marker fails at once.
            StopReason reason = linux.vm().awaitStop(Duration.ofMinutes(3)).orElseThrow(
                    () -> new AssertionError("no reboot within 3 minutes:\n" + console.text()));
            assertTrue(console.text().contains(MARKER + "\n"), "no marker from init (" + reason + "):\n" + console.text());
            assertEquals(StopReason.Kind.SYSTEM_RESET, reason.kind(), reason + "\n" + console.text());
        }
    }
}
