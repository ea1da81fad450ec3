package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VmState;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console guests, in each CPU mode, printing through the native UART. */
@RequiresKvm
class GuestBootTest {
    private static Hypervisor kvm;

    @BeforeAll
    static void open() {
        kvm = Kvm.open();
    }

    @AfterAll
    static void close() {
        kvm.close();
    }

    @Test
    void helloRunsInLongModeAndHalts() throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.HELLO)) {
            StopReason reason = run.runToStop();
            assertEquals("Hello from vmm4j guest\n", run.console());
            assertEquals(StopReason.Kind.HALTED, reason.kind());
            assertEquals(VmState.STOPPED, run.vm.state());
        }
    }

    @Test
    void realModeEntrySwitchesToProtectedMode() throws Exception {
        try (GuestRun run = GuestRun.realMode(kvm, BundledGuest.REALMODE_HELLO)) {
            assertEquals(StopReason.Kind.HALTED, run.runToStop().kind());
            assertEquals("Hello from real mode\n", run.console());
        }
    }

    @Test
    void tripleFaultStopsTheVmWithShutdown() throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.TRIPLE_FAULT)) {
            StopReason reason = run.runToStop();
            assertEquals(StopReason.Kind.SHUTDOWN, reason.kind());
            assertEquals(0, reason.vcpuId());
            assertEquals("triple-fault: going down\n", run.console());
        }
    }
}
