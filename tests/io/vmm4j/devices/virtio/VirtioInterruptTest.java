package io.vmm4j.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.x86.Register;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.arch.x86.PcPlatform;
import io.vmm4j.devices.qemu.IsaDebugExit;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A virtio interrupt arrives in a guest: the virtio-irq guest routes the rng slot's GSI through the
 * in-kernel IOAPIC to vector 0x30, submits a request with interrupts off, then waits in
 * {@code sti; hlt}. The completion must come as an interrupt (irqfd → IOAPIC → LAPIC → IDT) whose
 * handler sees InterruptStatus bit 0, acknowledges it and sends the EOI; a second request must raise a
 * second interrupt (the edge re-arms). A lost interrupt leaves the guest halted: the bounded wait
 * then fails the test with what the guest printed.
 */
@RequiresKvm
class VirtioInterruptTest {
    private static final long PASS = 0x21;
    private static final long MAILBOX_MAGIC = 0x56495251L; // "VIRQ", as the guest expects
    private static final Pattern INTERRUPT =
            Pattern.compile("virtio-irq: interrupt (\\d) vector=0x30 status=0x01 bytes=32 tsc=(\\d+)\n");

    @Test
    void completionInterruptReachesTheGuestIdtOncePerRequest(Hypervisor kvm) throws Exception {
        ByteArrayOutputStream uart = new ByteArrayOutputStream();
        try (VirtualMachine vm =
                kvm.createVm(VmConfig.builder().memoryMiB(8).irqchip(true).build())) {
            PcPlatform.install(vm, uart);
            vm.addIoDevice(
                    "isa-debug-exit",
                    AddressSpace.PIO,
                    IsaDebugExit.DEFAULT_IOBASE,
                    IsaDebugExit.DEFAULT_IOSIZE,
                    new IsaDebugExit(v -> vm.requestStop(StopReason.guestExit(v))));
            VirtioMmioSlot rng = vm.addVirtioDevice(new VirtioDeviceConfig.Rng("rng"));
            FlatBinaryBoot.load(vm, BundledGuest.VIRTIO_IRQ.image());
            vm.memory().writeInt(BundledGuest.MAILBOX, (int) rng.base());
            vm.memory().writeInt(BundledGuest.MAILBOX + 4, rng.irq());
            vm.memory().writeInt(BundledGuest.MAILBOX + 12, (int) MAILBOX_MAGIC);
            FlatBinaryBoot.enterProtectedMode(vm.createVcpu(0));
            vm.start();

            Optional<StopReason> reason = vm.awaitStop(Duration.ofSeconds(10));
            if (reason.isEmpty()) {
                vm.stop();
                fail("the guest did not end within 10 s (an interrupt lost?); it printed:\n" + text(uart));
            }
            String out = text(uart);
            assertEquals(
                    StopReason.Kind.GUEST_EXIT,
                    reason.get().kind(),
                    () -> reason.get() + " at RIP 0x"
                            + Long.toHexString(vm.vcpus().get(0).registers().get(Register.RIP)) + "\n" + out);
            assertEquals(PASS, reason.get().exitValue().orElseThrow(), out);

            Matcher m = INTERRUPT.matcher(out);
            for (int n = 1; n <= 2; n++) {
                assertTrue(m.find(), "interrupt line " + n + " in:\n" + out);
                assertEquals(String.valueOf(n), m.group(1), out);
                System.out.println("virtio-irq: request " + n + " notify-to-handler " + m.group(2) + " TSC ticks");
            }
            assertFalse(m.find(), out);
            assertTrue(out.endsWith("virtio-irq: PASS\n"), out);
            assertFalse(out.contains("FAIL") || out.contains("unexpected"), out);
        }
    }

    private static String text(ByteArrayOutputStream stream) {
        synchronized (stream) {
            return stream.toString(StandardCharsets.UTF_8);
        }
    }
}
