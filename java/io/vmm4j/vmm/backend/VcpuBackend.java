package io.vmm4j.vmm.backend;

import io.vmm4j.api.Vcpu;
import io.vmm4j.api.x86.CpuidEntry;
import java.util.List;

/** A backend vCPU: the public {@link Vcpu} operations, and what the VM core needs to run and set it up. */
public interface VcpuBackend extends Vcpu {
    /** Managed execution: one call that returns only when this vCPU must stop. */
    RunEnd runManaged();

    void setCpuid(List<CpuidEntry> entries);

    /** Sets XCR0, the enabled XSAVE components. */
    void setXcr0(long value);

    /** This paused vCPU's whole state, in the backend's own format (a snapshot's {@code vcpu.N} section). */
    byte[] saveState();

    /** Restores what {@link #saveState()} returned, into a vCPU of a new VM. */
    void restoreState(byte[] state);

    /** Tells the guest, where the hypervisor can, that it was stopped (no soft-lockup report on resume). */
    void notifyResumedFromSnapshot();
}
