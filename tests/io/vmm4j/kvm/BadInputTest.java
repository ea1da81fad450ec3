package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.HypervisorUnavailableException;
import io.vmm4j.api.PlatformCapabilities;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.testing.RequiresKvm;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputTest {
    @Test
    void aMissingDeviceIsNamedInTheError() {
        Path missing = Path.of("/nonexistent/kvm");
        var error = assertThrows(HypervisorUnavailableException.class, () -> Kvm.open(missing));
        assertTrue(error.getMessage().contains("/nonexistent/kvm"), error.getMessage());
        assertTrue(error.getMessage().contains("No such file or directory"), error.getMessage());
        assertEquals(2, error.errno().orElseThrow());
    }

    @Test
    void probingOrOpeningAMissingDeviceNeverCreatesIt(@TempDir Path dir) {
        Path missing = dir.resolve("kvm");
        Throwable cause = Kvm.probe(missing);
        assertTrue(cause instanceof HypervisorUnavailableException, String.valueOf(cause));
        assertThrows(HypervisorUnavailableException.class, () -> Kvm.open(missing));
        assertFalse(Files.exists(missing, LinkOption.NOFOLLOW_LINKS), missing + " was created");
    }

    @Test
    void aRegularFileAtTheDevicePathIsNotKvm(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("kvm"), "");
        var error = assertThrows(HypervisorUnavailableException.class, () -> Kvm.open(file));
        assertTrue(
                error.getMessage().contains(file + " is a regular file, not the KVM character device"),
                error.getMessage());
        assertTrue(Kvm.probe(file) instanceof HypervisorUnavailableException);
        assertEquals(0, Files.size(file), "the file was written");
    }

    @Test
    void aDeviceThatIsNotKvmIsRefused() {
        var error = assertThrows(HypervisorUnavailableException.class, () -> Kvm.open(Path.of("/dev/null")));
        assertTrue(error.getMessage().contains("KVM_GET_API_VERSION"), error.getMessage());
    }

    @Test
    @RequiresKvm
    void availabilityIsReportedLikeNettyEpoll() {
        assertTrue(Kvm.isAvailable(), () -> "unavailable: " + Kvm.unavailabilityCause());
        Kvm.ensureAvailability();
        assertEquals(null, Kvm.unavailabilityCause());
    }

    @Test
    @RequiresKvm
    void vcpuIdsOutsideTheConfiguredCountAreRefused(Hypervisor kvm) {
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().vcpuCount(2).memoryMiB(2).build())) {
            var error = assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(2));
            assertTrue(error.getMessage().contains("ids 0 to 1"), error.getMessage());
            assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(-1));
            vm.createVcpu(1);
            assertThrows(IllegalArgumentException.class, () -> vm.createVcpu(1), "twice");
            assertEquals(1, vm.vcpus().size());
        }
    }

    @Test
    @RequiresKvm
    void moreVcpusThanKvmAllowsIsRefused() {
        try (Hypervisor kvm = Kvm.open()) {
            int tooMany = kvm.capabilities().maxVcpus() + 1;
            assertThrows(
                    IllegalArgumentException.class,
                    () -> kvm.createVm(
                            VmConfig.builder().vcpuCount(tooMany).memoryMiB(2).build()));
        }
    }

    @Test
    @RequiresKvm
    void capabilitiesNameTheFeaturesPresent() {
        try (Hypervisor kvm = Kvm.open()) {
            assertTrue(kvm.capabilities().maxVcpus() >= 1);
            assertTrue(kvm.capabilities().maxMemorySlots() >= 1);
            assertTrue(kvm.capabilities().has(PlatformCapabilities.Feature.DOORBELL_EVENTS));
            assertTrue(kvm.capabilities().has(PlatformCapabilities.Feature.IMMEDIATE_EXIT));
        }
    }

    @Test
    @RequiresKvm
    void aClosedHypervisorCreatesNoVm() {
        Hypervisor kvm = Kvm.open();
        kvm.close();
        kvm.close();
        assertThrows(
                IllegalStateException.class,
                () -> kvm.createVm(VmConfig.builder().memoryMiB(2).build()));
    }
}
