package io.vmm4j.vmm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import org.junit.jupiter.api.Test;

@RequiresKvm
class ConcurrentVmsTest {
    @Test
    void twoVmsRunAtOnceWithSeparateConsolesAndMemory(Hypervisor kvm) throws Exception {
        try (GuestRun first = GuestRun.protectedMode(kvm, BundledGuest.COUNTER);
                GuestRun second = GuestRun.protectedMode(kvm, BundledGuest.COUNTER);
                GuestRun hello = GuestRun.protectedMode(kvm, BundledGuest.HELLO)) {
            first.vm.start();
            second.vm.start();
            first.awaitMailbox(8, 0xC0C0C0C0);
            second.awaitMailbox(8, 0xC0C0C0C0);

            assertEquals(StopReason.Kind.HALTED, hello.runToStop().kind());
            assertEquals("Hello from vmm4j guest\n", hello.console());

            first.vm.pause();
            long firstFrozen = first.vm.memory().readLong(BundledGuest.MAILBOX);
            second.awaitCounterAbove(second.vm.memory().readLong(BundledGuest.MAILBOX));
            assertEquals(firstFrozen, first.vm.memory().readLong(BundledGuest.MAILBOX), "paused VM ran");
            first.vm.stop();
            second.vm.stop();
            assertEquals("", first.console() + second.console());
        }
    }
}
