package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VcpuExit;
import io.vmm4j.api.VmState;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The console guests, in each CPU mode, printing through the native UART. */
@RequiresKvm
class GuestBootTest {

    @Test
    void helloRunsInLongModeAndHalts(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.HELLO)) {
            StopReason reason = run.runToStop();
            assertEquals("Hello from vmm4j guest\n", run.console());
            assertEquals(StopReason.Kind.HALTED, reason.kind());
            assertEquals(VmState.STOPPED, run.vm.state());
        }
    }

    @Test
    void realModeEntrySwitchesToProtectedMode(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.realMode(kvm, BundledGuest.REALMODE_HELLO)) {
            assertEquals(StopReason.Kind.HALTED, run.runToStop().kind());
            assertEquals("Hello from real mode\n", run.console());
        }
    }

    @Test
    void theGuestReadsSerialInputFromJava(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SERIAL_ECHO)) {
            run.vm.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!run.console().equals("ready\n")) {
                assertTrue(System.nanoTime() < deadline, "no prompt: " + run.console());
                Thread.sleep(1);
            }
            run.serial.sendInput("vmm4j rocks\n".getBytes(StandardCharsets.US_ASCII));
            // The guest itself gives up after 30 s and says so; wait longer than that to see its line.
            Optional<StopReason> stop = run.vm.awaitStop(Duration.ofSeconds(60));
            assertTrue(stop.isPresent(), "the guest did not halt within 60 s: " + run.console());
            assertEquals(StopReason.Kind.HALTED, stop.get().kind(), run.console());
            assertEquals("ready\necho: VMM4J ROCKS\n", run.console());
        }
    }

    @Test
    void anEmulationFailureStopsTheVmWithInternalError(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.MMIO_FETCH)) {
            StopReason reason = run.runToStop();
            assertEquals(StopReason.Kind.INTERNAL_ERROR, reason.kind());
            VcpuExit.InternalError error =
                    (VcpuExit.InternalError) reason.exit().orElseThrow();
            assertEquals(VcpuExit.InternalError.EMULATION, error.suberror());
            assertTrue(reason.toString().contains("emulation failure"), reason.toString());
        }
        // The JVM and other VMs carry on.
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.HELLO)) {
            assertEquals(StopReason.Kind.HALTED, run.runToStop().kind());
        }
    }

    @Test
    void tripleFaultStopsTheVmWithShutdown(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.TRIPLE_FAULT)) {
            StopReason reason = run.runToStop();
            assertEquals(StopReason.Kind.SHUTDOWN, reason.kind());
            assertEquals(0, reason.vcpuId());
            assertEquals("triple-fault: going down\n", run.console());
        }
    }
}
