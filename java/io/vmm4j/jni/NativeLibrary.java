package io.vmm4j.jni;

import io.vmm4j.api.HypervisorUnavailableException;

/** Loads the JNI library once and installs the device and output upcalls. */
public final class NativeLibrary {
    private static final Throwable LOAD_FAILURE = load();

    private NativeLibrary() {}

    private static Throwable load() {
        try {
            NativeCore.load();
            NativeCore.vmm4j_set_io_upcall(IoUpcallDispatcher.INSTANCE);
            NativeCore.vmm4j_set_sink_upcall(SinkUpcallDispatcher.INSTANCE);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** @throws HypervisorUnavailableException if the library did not load on this platform */
    public static void ensureLoaded() {
        if (LOAD_FAILURE != null) {
            throw new HypervisorUnavailableException(
                    "load native library",
                    "vmm4j's native library could not be loaded on " + System.getProperty("os.name") + "/"
                            + System.getProperty("os.arch") + ": " + LOAD_FAILURE,
                    LOAD_FAILURE);
        }
    }
}
