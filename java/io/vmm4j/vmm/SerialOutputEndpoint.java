package io.vmm4j.vmm;

import io.vmm4j.vmm.backend.DeviceEndpoint;
import java.io.OutputStream;

/**
 * A native UART's output in the device registry: it names the port when its output stream fails. The
 * bytes themselves go from the backend to the stream in batches (VmBackend.addSerialPort), never
 * through this endpoint.
 */
record SerialOutputEndpoint(String name, OutputStream output) implements DeviceEndpoint {
    @Override
    public long read(long offset, int size) {
        throw new UnsupportedOperationException("serial output is write-only");
    }

    @Override
    public void write(long offset, int size, long value) {
        throw new UnsupportedOperationException("serial port " + name + ": output goes through the backend");
    }
}
