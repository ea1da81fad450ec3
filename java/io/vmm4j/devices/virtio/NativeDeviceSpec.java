package io.vmm4j.devices.virtio;

import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * What the native half of a virtio device is built from, whatever its kind: the kind's name (its entry in
 * {@code cpp/virtio/kinds}), and the arguments that kind reads. Primitive on purpose: it crosses to C++ as is.
 *
 * @param nativeKind the native device kind
 * @param path a backing file, or empty
 * @param label an id the guest can read, or empty
 * @param numbers kind-specific numbers
 * @param output where the device's output goes, for a device that produces output
 */
public record NativeDeviceSpec(
        String nativeKind, String path, String label, long[] numbers, Optional<OutputStream> output) {
    public NativeDeviceSpec {
        Objects.requireNonNull(nativeKind, "nativeKind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(label, "label");
        numbers = numbers.clone();
        Objects.requireNonNull(output, "output");
    }

    /** A device built from its kind alone. */
    public static NativeDeviceSpec of(String nativeKind) {
        return new NativeDeviceSpec(nativeKind, "", "", new long[0], Optional.empty());
    }

    @Override
    public long[] numbers() {
        return numbers.clone();
    }
}
