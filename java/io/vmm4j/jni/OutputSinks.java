package io.vmm4j.jni;

/**
 * Registers output sinks; the key is what a native device sends its output to. Unregister a key only
 * once no native code can send to it any more (after the VM's native side is freed): keys are reused.
 */
public final class OutputSinks {
    private OutputSinks() {}

    public static int register(OutputSinkHandler handler) {
        NativeLibrary.ensureLoaded();
        return SinkUpcallDispatcher.INSTANCE.register(java.util.Objects.requireNonNull(handler, "handler"));
    }

    public static void unregister(int key) {
        SinkUpcallDispatcher.INSTANCE.unregister(key);
    }
}
