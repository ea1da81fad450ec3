package io.vmm4j.api;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Why a VM stopped.
 *
 * @param kind what happened
 * @param vcpuId the vCPU that caused it, or -1 when the host asked
 * @param exit the exit that caused it, when a vCPU did
 * @param cause the exception a device threw, for {@link Kind#DEVICE_FAILURE}
 * @param exitValue the value the guest wrote to end itself, for {@link Kind#GUEST_EXIT}
 */
public record StopReason(
        Kind kind, int vcpuId, Optional<VcpuExit> exit, Optional<Throwable> cause, OptionalLong exitValue) {

    public enum Kind {
        /** {@link VirtualMachine#stop()} or {@link VirtualMachine#close()} was called. */
        STOP_REQUESTED,
        /** Every vCPU halted. */
        HALTED,
        /** A triple fault or guest power-off. */
        SHUTDOWN,
        /** The guest asked for a reset. */
        SYSTEM_RESET,
        /** The hypervisor could not emulate or handle an exit. */
        INTERNAL_ERROR,
        /** The guest could not be entered. */
        FAIL_ENTRY,
        /** A device threw while serving the guest. */
        DEVICE_FAILURE,
        /** An exit vmm4j does not handle, or a native failure of the run loop. */
        VCPU_FAILURE,
        /** The guest ended itself with a value through a debug-exit device; see {@link #exitValue()}. */
        GUEST_EXIT
    }

    public StopReason {
        if ((kind == Kind.GUEST_EXIT) != exitValue.isPresent()) {
            throw new IllegalArgumentException("an exit value goes with GUEST_EXIT and only with it: " + kind);
        }
    }

    public static StopReason requested() {
        return of(Kind.STOP_REQUESTED);
    }

    /** A reason no vCPU exit or device failure caused, such as a reset a device asked for. */
    public static StopReason of(Kind kind) {
        return new StopReason(kind, -1, Optional.empty(), Optional.empty(), OptionalLong.empty());
    }

    /** The guest wrote {@code value} to a debug-exit device. */
    public static StopReason guestExit(long value) {
        return new StopReason(Kind.GUEST_EXIT, -1, Optional.empty(), Optional.empty(), OptionalLong.of(value));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(kind.name());
        if (vcpuId >= 0) text.append(" on vCPU ").append(vcpuId);
        exit.ifPresent(e -> text.append(": ").append(e));
        cause.ifPresent(c -> text.append(": ").append(c));
        exitValue.ifPresent(v -> text.append(" with value 0x").append(Long.toHexString(v)));
        return text.toString();
    }
}
