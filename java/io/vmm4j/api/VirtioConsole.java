package io.vmm4j.api;

/** The host end of a virtio-console's port 0; see {@link VirtioDeviceConfig.Console}. */
public interface VirtioConsole {
    /** Bytes the device buffers for a guest that has not posted receive buffers yet. */
    int INPUT_CAPACITY = 64 * 1024;

    /**
     * Queues bytes for the guest; they are delivered as the guest posts receive buffers, in order.
     *
     * @return how many bytes were accepted: fewer than {@code length} once {@link #INPUT_CAPACITY}
     *     bytes are waiting
     */
    int sendInput(byte[] bytes, int offset, int length);

    default int sendInput(byte[] bytes) {
        return sendInput(bytes, 0, bytes.length);
    }
}
