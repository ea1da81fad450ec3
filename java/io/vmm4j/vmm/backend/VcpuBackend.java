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
}
