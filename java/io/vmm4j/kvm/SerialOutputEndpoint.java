package io.vmm4j.kvm;

import io.vmm4j.jni.OutputSinkHandler;
import java.io.IOException;
import java.io.OutputStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A native UART's output: batches of transmitted bytes arrive through its output sink and go to the
 * user's stream. It is a device endpoint only so that a failing stream is reported against the port's
 * name (the VM stops with DEVICE_FAILURE); the vCPUs never call it as a device.
 */
record SerialOutputEndpoint(String name, OutputStream output) implements DeviceEndpoint, OutputSinkHandler {
    private static final Logger LOG = LogManager.getLogger(SerialOutputEndpoint.class);

    @Override
    public long read(long offset, int size) {
        throw new UnsupportedOperationException("serial output arrives through its sink");
    }

    @Override
    public void write(long offset, int size, long value) {
        throw new UnsupportedOperationException("serial output arrives through its sink");
    }

    @Override
    public int onOutput(byte[] bytes, int length) {
        try {
            synchronized (output) {
                output.write(bytes, 0, length);
                output.flush();
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            LOG.warn("serial port {}: its output stream failed; the VM stops", name, e);
            return 1;
        }
    }
}
