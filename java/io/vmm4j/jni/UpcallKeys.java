package io.vmm4j.jni;

/** Registers vCPUs with the upcall dispatcher; the key is what the native vCPU reports. */
public final class UpcallKeys {
    private UpcallKeys() {}

    public static int register(IoUpcallHandler handler) {
        NativeLibrary.ensureLoaded();
        return IoUpcallDispatcher.INSTANCE.register(handler);
    }

    public static void unregister(int key) {
        IoUpcallDispatcher.INSTANCE.unregister(key);
    }
}
