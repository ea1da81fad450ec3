package io.vmm4j.api;

import io.vmm4j.api.x86.Registers;
import io.vmm4j.api.x86.SpecialRegisters;
import java.util.Map;

/**
 * One virtual CPU. In manual execution the caller drives it with {@link #run()}; in managed
 * execution ({@link VirtualMachine#start()}) vmm4j runs it on its own thread.
 */
public interface Vcpu {
    int id();

    /**
     * Runs the guest until an exit needs the caller. Accesses claimed by devices registered on the VM
     * are served inside this call without returning. Not allowed while the VM runs managed.
     */
    VcpuExit run();

    Registers registers();

    void setRegisters(Registers registers);

    SpecialRegisters specialRegisters();

    void setSpecialRegisters(SpecialRegisters registers);

    /**
     * Reads model-specific registers.
     *
     * @throws VmmException naming the first MSR KVM refuses
     */
    Map<Integer, Long> readMsrs(int... indices);

    /**
     * Writes model-specific registers, in iteration order.
     *
     * @throws VmmException naming the first MSR KVM refuses
     */
    void writeMsrs(Map<Integer, Long> values);

    /** Sets the x87 control word and MXCSR, the FPU state a boot protocol defines. */
    void setFpuControl(int fcw, int mxcsr);

    /** The local APIC's 1 KiB register page ({@code KVM_GET_LAPIC}); needs the irqchip. */
    byte[] localApicState();

    void setLocalApicState(byte[] registers);

    /** Completes the {@link VcpuExit.IoIn} just returned: the guest's {@code in} reads {@code value}. */
    void setIoInResult(long value);

    /** Completes the {@link VcpuExit.MmioRead} just returned. */
    void setMmioReadResult(long value);
}
