package io.vmm4j.arch.x86;

import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.x86.Register;
import io.vmm4j.api.x86.Registers;
import io.vmm4j.api.x86.Segment;
import io.vmm4j.api.x86.SpecialRegisters;

/**
 * Loads a flat binary (such as the test guests in {@code guests/}) and puts a vCPU at its first
 * byte, in 32-bit flat protected mode or in real mode.
 */
public final class FlatBinaryBoot {
    /** Where flat binaries are loaded; see guests/README.md. */
    public static final long LOAD_ADDRESS = 0x10000;

    private static final long CR0_PE = 1;
    private static final long CR0_ET = 1 << 4;
    private static final long RFLAGS_RESERVED = 0x2;
    private static final int TYPE_CODE_EXECUTE_READ = 0xb; // accessed
    private static final int TYPE_DATA_READ_WRITE = 0x3; // accessed
    private static final int TYPE_TSS_BUSY = 0xb;
    private static final int TYPE_LDT = 0x2;

    private FlatBinaryBoot() {}

    public static void load(VirtualMachine vm, byte[] image) {
        vm.memory().write(LOAD_ADDRESS, image);
    }

    /** 32-bit flat protected mode, paging off, interrupts off, EIP at {@link #LOAD_ADDRESS}. */
    public static void enterProtectedMode(Vcpu vcpu) {
        enterProtectedMode(vcpu, LOAD_ADDRESS);
    }

    /**
     * 32-bit flat protected mode (CS, DS, ES, FS, GS and SS with base 0 and limit 4 GiB), paging off,
     * interrupts off, EIP at {@code entryPoint} and every general register zero: the machine state of
     * the flat-binary contract and of Multiboot, which then sets EAX and EBX.
     */
    public static void enterProtectedMode(Vcpu vcpu, long entryPoint) {
        if (entryPoint < 0 || entryPoint > 0xffff_ffffL) {
            throw new IllegalArgumentException(
                    "a 32-bit entry point must lie below 4 GiB, was 0x" + Long.toHexString(entryPoint));
        }
        Segment code = new Segment(
                0, 0xffffffff, 0x08, TYPE_CODE_EXECUTE_READ, true, 0, true, true, false, true, false, false);
        Segment data =
                new Segment(0, 0xffffffff, 0x10, TYPE_DATA_READ_WRITE, true, 0, true, true, false, true, false, false);
        SpecialRegisters sregs = vcpu.specialRegisters().withCodeSegment(code).withDataSegments(data);
        sregs = withSystemSegments(sregs).withControlRegisters(CR0_PE | CR0_ET, 0, 0, 0);
        vcpu.setSpecialRegisters(sregs);
        vcpu.setRegisters(Registers.of(new long[Register.values().length])
                .with(Register.RIP, entryPoint)
                .with(Register.RFLAGS, RFLAGS_RESERVED));
    }

    /** Real mode with CS:IP = (LOAD_ADDRESS >> 4):0 and the other segments at 0. */
    public static void enterRealMode(Vcpu vcpu) {
        Segment code = realModeSegment((int) (LOAD_ADDRESS >> 4), TYPE_CODE_EXECUTE_READ);
        Segment data = realModeSegment(0, TYPE_DATA_READ_WRITE);
        SpecialRegisters sregs = vcpu.specialRegisters().withCodeSegment(code).withDataSegments(data);
        sregs = withSystemSegments(sregs).withControlRegisters(CR0_ET, 0, 0, 0);
        vcpu.setSpecialRegisters(sregs);
        vcpu.setRegisters(Registers.of(new long[Register.values().length])
                .with(Register.RIP, 0)
                .with(Register.RFLAGS, RFLAGS_RESERVED));
    }

    private static Segment realModeSegment(int selector, int type) {
        return new Segment(
                (long) selector << 4, 0xffff, selector, type, true, 0, false, true, false, false, false, false);
    }

    // VMX requires a usable TR and a valid LDT descriptor state on entry even when the guest never loads them.
    private static SpecialRegisters withSystemSegments(SpecialRegisters sregs) {
        Segment tr = new Segment(0, 0xffff, 0, TYPE_TSS_BUSY, true, 0, false, false, false, false, false, false);
        Segment ldt = new Segment(0, 0xffff, 0, TYPE_LDT, true, 0, false, false, false, false, false, false);
        return new SpecialRegisters(
                sregs.cs(),
                sregs.ds(),
                sregs.es(),
                sregs.fs(),
                sregs.gs(),
                sregs.ss(),
                tr,
                ldt,
                sregs.gdt(),
                sregs.idt(),
                sregs.cr0(),
                sregs.cr2(),
                sregs.cr3(),
                sregs.cr4(),
                sregs.cr8(),
                sregs.efer(),
                sregs.apicBase());
    }
}
