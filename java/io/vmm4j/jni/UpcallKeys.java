package io.vmm4j.jni;

/**
 * Registers vCPUs with the upcall dispatcher; the key is what the native vCPU reports. Unregister a
 * key only once no native code can report it any more (after the VM's native side is freed): keys
 * are reused.
 */
public final class UpcallKeys {
    private UpcallKeys() {}

    public static int register(IoUpcallHandler handler) {
        NativeLibrary.ensureLoaded();
        return IoUpcallDispatcher.INSTANCE.register(handler);
    }

    /** Reserves a key whose handler is not built yet; upcalls with it fail until {@link #bind}. */
    public static int reserve() {
        NativeLibrary.ensureLoaded();
        return IoUpcallDispatcher.INSTANCE.register(null);
    }

    /** Binds the handler of a key from {@link #reserve()}. */
    public static void bind(int key, IoUpcallHandler handler) {
        IoUpcallDispatcher.INSTANCE.bind(key, handler);
    }

    public static void unregister(int key) {
        IoUpcallDispatcher.INSTANCE.unregister(key);
    }
}
