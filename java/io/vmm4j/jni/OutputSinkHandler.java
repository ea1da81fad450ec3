package io.vmm4j.jni;

/** Receives a device's output (a serial port's or a virtio-console's) from the native core. */
public interface OutputSinkHandler {
    /**
     * Called on the thread that sends the output (a vCPU thread or the VM's I/O thread), never
     * concurrently for one sink. {@code bytes} is reused after the call returns.
     *
     * @return 0 on success, nonzero when the output could not be written
     */
    int onOutput(byte[] bytes, int length);
}
