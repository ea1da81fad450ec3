package io.vmm4j.vmm;

import io.vmm4j.vmm.backend.DeviceEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/** Receives the bytes a native UART transmits and writes them to the user's stream. */
record SerialOutputEndpoint(String name, OutputStream output) implements DeviceEndpoint {
    @Override
    public long read(long offset, int size) {
        throw new UnsupportedOperationException("serial output is write-only");
    }

    @Override
    public void write(long offset, int size, long value) {
        try {
            synchronized (output) {
                output.write((int) value);
                if (value == '\n') output.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("serial port " + name + " output", e);
        }
    }
}
