package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.VcpuExit;
import io.vmm4j.api.VmState;
import io.vmm4j.api.x86.Register;
import io.vmm4j.api.x86.Registers;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.GuestRun;
import io.vmm4j.testing.RequiresKvm;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The caller drives Vcpu.run() and answers unclaimed exits itself. */
@RequiresKvm
class ManualExecutionTest {
    private static final int PORT = 0x600;
    private static final long MMIO = 0xD000_0040L;

    private static void setLoop(GuestRun run, long count, long target, long value) {
        Registers registers = run.vcpu.registers();
        run.vcpu.setRegisters(
                registers.with(Register.RCX, count).with(Register.RDX, target).with(Register.RAX, value));
    }

    @Test
    void unclaimedPortWritesReturnToTheCaller(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.PIO_LOOP)) {
            setLoop(run, 3, PORT, 0xAB);
            for (int i = 0; i < 3; i++) assertEquals(new VcpuExit.IoOut(PORT, 1, 0xAB), run.vcpu.run());
            assertEquals(new VcpuExit.Halt(), run.vcpu.run());
            assertEquals(VmState.RUNNING, run.vm.state());
        }
    }

    @Test
    void theCallerAnswersPortReads(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.PIO_IN_LOOP)) {
            setLoop(run, 2, PORT, 0);
            assertEquals(new VcpuExit.IoIn(PORT, 1), run.vcpu.run());
            run.vcpu.setIoInResult(0x11);
            assertEquals(new VcpuExit.IoIn(PORT, 1), run.vcpu.run());
            run.vcpu.setIoInResult(0x42);
            assertEquals(new VcpuExit.Halt(), run.vcpu.run());
            assertEquals(0x42, run.vcpu.registers().get(Register.RAX) & 0xff);
        }
    }

    @Test
    void theCallerAnswersMmioReadsAndSeesWrites(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.MMIO_READ_LOOP)) {
            setLoop(run, 1, MMIO, 0);
            assertEquals(new VcpuExit.MmioRead(MMIO, 4), run.vcpu.run());
            run.vcpu.setMmioReadResult(0xDEADBEEFL);
            assertEquals(new VcpuExit.Halt(), run.vcpu.run());
            assertEquals(0xDEADBEEFL, run.vcpu.registers().get(Register.RAX) & 0xffffffffL);
            assertThrows(IllegalStateException.class, () -> run.vcpu.setMmioReadResult(1), "no read pending");
        }
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.MMIO_LOOP)) {
            setLoop(run, 1, MMIO, 0x1234_5678);
            assertEquals(new VcpuExit.MmioWrite(MMIO, 4, 0x1234_5678), run.vcpu.run());
        }
    }

    @Test
    void claimedExitsNeverReachTheCaller(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.PIO_LOOP)) {
            AtomicInteger writes = new AtomicInteger();
            run.vm.addIoDevice("counter", AddressSpace.PIO, PORT, 1, new IoDevice() {
                @Override
                public long read(long offset, int size) {
                    return 0;
                }

                @Override
                public void write(long offset, int size, long value) {
                    writes.incrementAndGet();
                }
            });
            setLoop(run, 1000, PORT, 1);
            assertEquals(new VcpuExit.Halt(), run.vcpu.run());
            assertEquals(1000, writes.get());
        }
    }

    @Test
    void aNullDeviceAbsorbsAccessesNatively(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.MMIO_READ_LOOP)) {
            run.vm.addNullDevice("hole", AddressSpace.MMIO, MMIO, 4);
            setLoop(run, 100, MMIO, 0xffff_ffffL);
            assertEquals(new VcpuExit.Halt(), run.vcpu.run());
            assertEquals(0, run.vcpu.registers().get(Register.RAX) & 0xffffffffL);
        }
    }

    @Test
    void tripleFaultIsReportedAsShutdown(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.TRIPLE_FAULT)) {
            assertInstanceOf(VcpuExit.Shutdown.class, run.vcpu.run());
        }
    }

    @Test
    void registersRoundTrip(Hypervisor kvm) {
        try (GuestRun run = GuestRun.protectedMode(kvm, BundledGuest.SPIN)) {
            Registers written = run.vcpu
                    .registers()
                    .with(Register.R15, 0x0123_4567_89AB_CDEFL)
                    .with(Register.RSI, -1L);
            run.vcpu.setRegisters(written);
            assertEquals(written, run.vcpu.registers());
            var sregs = run.vcpu.specialRegisters();
            assertEquals(0x08, sregs.cs().selector());
            assertEquals(1, sregs.cr0() & 1, "protected mode");
            run.vcpu.setSpecialRegisters(sregs);
            assertEquals(sregs, run.vcpu.specialRegisters());
        }
    }
}
