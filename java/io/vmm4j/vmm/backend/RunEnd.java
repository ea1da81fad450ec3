package io.vmm4j.vmm.backend;

import io.vmm4j.api.StopReason;
import io.vmm4j.api.VcpuExit;

/** How a managed vCPU's one long run ended. */
public sealed interface RunEnd {
    /** This vCPU alone is done: it halted, or the VM asked it to stop. */
    record VcpuEnded() implements RunEnd {}

    /** The device registered under {@code deviceKey} failed while this vCPU called it. */
    record DeviceFailed(int deviceKey) implements RunEnd {}

    /** The guest or the hypervisor ended the whole VM (shutdown, reset, an error). */
    record StopsVm(StopReason.Kind kind, VcpuExit exit) implements RunEnd {}
}
