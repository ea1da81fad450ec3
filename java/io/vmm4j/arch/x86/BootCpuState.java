package io.vmm4j.arch.x86;

import io.vmm4j.api.Vcpu;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CPU state a boot protocol expects beyond registers: MSRs at their reset values, the FPU
 * control words, and the local APIC's LINT pins wired as on a PC (LINT0 to the PIC, LINT1 to NMI).
 */
public final class BootCpuState {
    static final int MSR_IA32_SYSENTER_CS = 0x174;
    static final int MSR_IA32_SYSENTER_ESP = 0x175;
    static final int MSR_IA32_SYSENTER_EIP = 0x176;
    static final int MSR_STAR = 0xc0000081;
    static final int MSR_LSTAR = 0xc0000082;
    static final int MSR_CSTAR = 0xc0000083;
    static final int MSR_SYSCALL_MASK = 0xc0000084;
    static final int MSR_KERNEL_GS_BASE = 0xc0000102;
    static final int MSR_IA32_TSC = 0x10;
    static final int MSR_IA32_MISC_ENABLE = 0x1a0;
    static final int MSR_MTRR_DEF_TYPE = 0x2ff;

    private static final long MISC_ENABLE_FAST_STRING = 1;
    private static final long MTRR_ENABLE = 1 << 11;
    private static final long MTRR_TYPE_WRITE_BACK = 6;
    private static final int FPU_CONTROL_WORD = 0x37f; // all exceptions masked, extended precision
    private static final int MXCSR = 0x1f80; // all SSE exceptions masked
    private static final int APIC_LVT_LINT0 = 0x350;
    private static final int APIC_LVT_LINT1 = 0x360;
    private static final int DELIVERY_MODE_SHIFT = 8;
    private static final int DELIVERY_MODE_MASK = 0x7 << DELIVERY_MODE_SHIFT;
    private static final int DELIVERY_EXTINT = 0x7;
    private static final int DELIVERY_NMI = 0x4;

    private BootCpuState() {}

    /** Applies the MSRs and FPU state, and the LINT wiring when the VM has the irqchip. */
    public static void apply(Vcpu vcpu, boolean irqchip) {
        vcpu.writeMsrs(bootMsrs());
        vcpu.setFpuControl(FPU_CONTROL_WORD, MXCSR);
        if (irqchip) vcpu.setLocalApicState(withPcLintWiring(vcpu.localApicState()));
    }

    static Map<Integer, Long> bootMsrs() {
        Map<Integer, Long> msrs = new LinkedHashMap<>();
        for (int msr : new int[] {
            MSR_IA32_SYSENTER_CS,
            MSR_IA32_SYSENTER_ESP,
            MSR_IA32_SYSENTER_EIP,
            MSR_STAR,
            MSR_LSTAR,
            MSR_CSTAR,
            MSR_SYSCALL_MASK,
            MSR_KERNEL_GS_BASE,
            MSR_IA32_TSC
        }) {
            msrs.put(msr, 0L);
        }
        msrs.put(MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING);
        msrs.put(MSR_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WRITE_BACK);
        return msrs;
    }

    /** LINT0 delivers ExtINT (the 8259 PIC), LINT1 delivers NMI, as the MP specification's default. */
    static byte[] withPcLintWiring(byte[] lapic) {
        ByteBuffer registers = ByteBuffer.wrap(lapic.clone()).order(ByteOrder.LITTLE_ENDIAN);
        setDeliveryMode(registers, APIC_LVT_LINT0, DELIVERY_EXTINT);
        setDeliveryMode(registers, APIC_LVT_LINT1, DELIVERY_NMI);
        return registers.array();
    }

    private static void setDeliveryMode(ByteBuffer registers, int offset, int mode) {
        int value = registers.getInt(offset);
        registers.putInt(offset, (value & ~DELIVERY_MODE_MASK) | (mode << DELIVERY_MODE_SHIFT));
    }
}
