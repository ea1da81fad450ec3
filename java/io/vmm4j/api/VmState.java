package io.vmm4j.api;

/** The lifecycle of a {@link VirtualMachine}: CREATED → RUNNING ⇄ PAUSED → STOPPED. */
public enum VmState {
    CREATED,
    RUNNING,
    PAUSED,
    STOPPED
}
