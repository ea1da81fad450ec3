package io.vmm4j.vmm;

import io.vmm4j.api.IoDevice;
import io.vmm4j.vmm.backend.DeviceEndpoint;

/** Calls a Java {@link IoDevice} under its monitor, so vCPUs reach it one at a time. */
record IoDeviceEndpoint(String name, IoDevice device) implements DeviceEndpoint {
    @Override
    public long read(long offset, int size) {
        synchronized (device) {
            return device.read(offset, size);
        }
    }

    @Override
    public void write(long offset, int size, long value) {
        synchronized (device) {
            device.write(offset, size, value);
        }
    }
}
