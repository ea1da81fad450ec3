package io.vmm4j.benchmarks;

/** Who serves an exit: the raw C baseline loop, a native vmm4j device, or a Java {@code IoDevice}. */
public enum Handler {
    RAW_C,
    NATIVE_DEVICE,
    JAVA_DEVICE
}
