package io.vmm4j.api;

import java.util.Optional;

/**
 * Why a VM stopped.
 *
 * @param kind what happened
 * @param vcpuId the vCPU that caused it, or -1 when the host asked
 * @param exit the exit that caused it, when a vCPU did
 * @param cause the exception a device threw, for {@link Kind#DEVICE_FAILURE}
 */
public record StopReason(Kind kind, int vcpuId, Optional<VcpuExit> exit, Optional<Throwable> cause) {

    public enum Kind {
        /** {@link VirtualMachine#stop()} or {@link VirtualMachine#close()} was called. */
        STOP_REQUESTED,
        /** Every vCPU halted. */
        HALTED,
        /** A triple fault or guest power-off. */
        SHUTDOWN,
        /** The guest asked for a reset. */
        SYSTEM_RESET,
        /** KVM could not emulate or handle an exit. */
        INTERNAL_ERROR,
        /** The guest could not be entered. */
        FAIL_ENTRY,
        /** A device threw while serving the guest. */
        DEVICE_FAILURE,
        /** An exit vmm4j does not handle, or a native failure of the run loop. */
        VCPU_FAILURE
    }

    public static StopReason requested() {
        return new StopReason(Kind.STOP_REQUESTED, -1, Optional.empty(), Optional.empty());
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(kind.name());
        if (vcpuId >= 0) text.append(" on vCPU ").append(vcpuId);
        exit.ifPresent(e -> text.append(": ").append(e));
        cause.ifPresent(c -> text.append(": ").append(c));
        return text.toString();
    }
}
