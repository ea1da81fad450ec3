package io.vmm4j.api;

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

    /** Completes the {@link VcpuExit.IoIn} just returned: the guest's {@code in} reads {@code value}. */
    void setIoInResult(long value);

    /** Completes the {@link VcpuExit.MmioRead} just returned. */
    void setMmioReadResult(long value);
}
