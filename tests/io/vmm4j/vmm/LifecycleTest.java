package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VmState;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The state machine CREATED → RUNNING ⇄ PAUSED → STOPPED, driven while guests spin. */
@RequiresKvm
class LifecycleTest {
    private static final long COUNTER = BundledGuest.MAILBOX;
    private static final int STARTED_MAGIC = 0xC0C0C0C0;
    private static final int SPIN_MAGIC = 0x5350494E;

    @Test
    void pauseFreezesTheGuestAndResumeContinuesIt(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.COUNTER)) {
            run.vm.start();
            run.awaitMailbox(8, STARTED_MAGIC);
            run.awaitCounterAbove(0);

            run.vm.pause();
            assertEquals(VmState.PAUSED, run.vm.state());
            long frozen = run.vm.memory().readLong(COUNTER);
            Thread.sleep(50);
            assertEquals(frozen, run.vm.memory().readLong(COUNTER), "the guest ran while paused");

            run.vm.resume();
            assertEquals(VmState.RUNNING, run.vm.state());
            run.awaitCounterAbove(frozen);

            run.vm.stop();
            assertEquals(
                    StopReason.Kind.STOP_REQUESTED,
                    run.vm.stopReason().orElseThrow().kind());
        }
    }

    @Test
    void stopEndsASpinningGuestAndItsThread(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN)) {
            Set<Thread> before = vcpuThreads();
            run.vm.start();
            run.awaitMailbox(8, SPIN_MAGIC);
            assertEquals(before.size() + 1, vcpuThreads().size());
            run.vm.stop();
            assertEquals(VmState.STOPPED, run.vm.state());
            assertTrue(run.vm.awaitStop(Duration.ZERO).isPresent());
            assertEquals(before, vcpuThreads(), "a vCPU thread outlived stop()");
        }
    }

    @Test
    void pauseAndStopWorkFromAnotherThread(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN)) {
            run.vm.start();
            run.awaitMailbox(8, SPIN_MAGIC);
            Thread controller = new Thread(() -> {
                run.vm.pause();
                run.vm.resume();
                run.vm.stop();
            });
            controller.start();
            controller.join(10_000);
            assertFalse(controller.isAlive());
            assertEquals(VmState.STOPPED, run.vm.state());
        }
    }

    @Test
    void misuseThrowsIllegalState(Hypervisor kvm) throws Exception {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN)) {
            assertThrows(IllegalStateException.class, run.vm::pause);
            assertThrows(IllegalStateException.class, run.vm::resume);
            run.vm.start();
            assertThrows(IllegalStateException.class, run.vm::start);
            assertThrows(IllegalStateException.class, run.vm::resume);
            assertThrows(IllegalStateException.class, () -> run.vcpu.run(), "manual run on a managed VM");
            assertThrows(IllegalStateException.class, () -> run.vm.createVcpu(0));
            run.vm.pause();
            assertThrows(IllegalStateException.class, run.vm::pause);
            run.vm.stop();
            run.vm.stop(); // idempotent once stopped
            assertThrows(IllegalStateException.class, run.vm::start);
            assertThrows(IllegalStateException.class, run.vm::resume);
        }
    }

    @Test
    void closeIsIdempotentAndEndsEveryUse(Hypervisor kvm) {
        GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN);
        run.vm.start();
        run.close();
        run.close();
        assertEquals(VmState.STOPPED, run.vm.state());
        assertThrows(IllegalStateException.class, () -> run.vm.memory().readInt(0));
        assertThrows(IllegalStateException.class, () -> run.vcpu.registers());
    }

    @Test
    void stopBeforeStartEndsTheVm(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN)) {
            run.vm.stop();
            assertEquals(VmState.STOPPED, run.vm.state());
            assertEquals(
                    StopReason.Kind.STOP_REQUESTED,
                    run.vm.stopReason().orElseThrow().kind());
        }
    }

    private static Set<Thread> vcpuThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("vmm4j-") && t.getName().contains("-vcpu"))
                .collect(Collectors.toSet());
    }
}
