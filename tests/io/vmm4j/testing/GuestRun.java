package io.vmm4j.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.guests.BundledGuest;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** A VM with one test guest loaded, COM1 captured, and vCPU 0 at the guest's entry. */
public final class GuestRun implements AutoCloseable {
    public static final long MEMORY = 4L << 20;

    public final VirtualMachine vm;
    public final Vcpu vcpu;
    public final SerialPort serial;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    private GuestRun(VirtualMachine vm, BundledGuest guest, boolean realMode) {
        this.vm = vm;
        serial = vm.addSerialPort("com1", 0x3f8, console);
        FlatBinaryBoot.load(vm, guest.image());
        vcpu = vm.createVcpu(0);
        if (realMode) {
            FlatBinaryBoot.enterRealMode(vcpu);
        } else {
            FlatBinaryBoot.enterProtectedMode(vcpu);
        }
    }

    public static GuestRun protectedMode(Hypervisor hypervisor, BundledGuest guest) {
        return new GuestRun(
                hypervisor.createVm(VmConfig.builder().memorySize(MEMORY).build()), guest, false);
    }

    public static GuestRun realMode(Hypervisor hypervisor, BundledGuest guest) {
        return new GuestRun(
                hypervisor.createVm(VmConfig.builder().memorySize(MEMORY).build()), guest, true);
    }

    public String console() {
        synchronized (console) {
            return console.toString(StandardCharsets.UTF_8);
        }
    }

    /** Starts managed and waits for the guest to stop by itself. */
    public StopReason runToStop() throws InterruptedException {
        vm.start();
        Optional<StopReason> reason = vm.awaitStop(Duration.ofSeconds(20));
        assertTrue(reason.isPresent(), "guest did not stop within 20 s; console so far: " + console());
        return reason.get();
    }

    /** Waits until the guest has written {@code value} to the 32-bit mailbox word at {@code offset}. */
    public void awaitMailbox(int offset, int value) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (vm.memory().readInt(BundledGuest.MAILBOX + offset) != value) {
            assertTrue(System.nanoTime() < deadline, "guest never wrote 0x" + Integer.toHexString(value));
            Thread.sleep(1);
        }
    }

    /** Waits until the counter guest's 64-bit counter passes {@code floor}. */
    public void awaitCounterAbove(long floor) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (vm.memory().readLong(BundledGuest.MAILBOX) <= floor) {
            assertTrue(System.nanoTime() < deadline, "counter never passed " + floor);
            Thread.sleep(1);
        }
    }

    @Override
    public void close() {
        vm.close();
    }
}
