package io.vmm4j.jni;

/** Test code (not shipped): the native address of the upcall vmm4j installs, for UpcallBenchmark. */
public final class InstalledUpcall {
    private InstalledUpcall() {}

    public static long address() {
        NativeLibrary.ensureLoaded();
        return IoUpcallDispatcher.INSTANCE.address();
    }
}
