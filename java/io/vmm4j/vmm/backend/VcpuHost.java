package io.vmm4j.vmm.backend;

import io.vmm4j.api.AddressSpace;

/** What a backend vCPU asks of the VM core that owns it. */
public interface VcpuHost {
    /** The device registered under {@code key}. */
    DeviceEndpoint device(int key);

    /** A device threw while serving vCPU {@code vcpuId}; the run then ends with a device failure. */
    void recordDeviceFailure(int vcpuId, DeviceEndpoint device, boolean isWrite, long offset, Throwable cause);

    /** An access nothing claimed (absorbed in managed runs); logged once per address. */
    void reportUnclaimed(AddressSpace space, long address, int size, boolean isWrite);

    /** Called before a manual run: the first moves the VM to RUNNING; refused when managed or closed. */
    void beginManualRun();

    /** A manual run hit a device failure: stops the VM and returns the exception to throw. */
    RuntimeException failOnDeviceError(int vcpuId, int deviceKey);
}
