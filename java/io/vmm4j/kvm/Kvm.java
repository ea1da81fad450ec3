package io.vmm4j.kvm;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.HypervisorUnavailableException;
import io.vmm4j.api.VmmException;
import io.vmm4j.jni.NativeLibrary;
import io.vmm4j.vmm.Vmm;
import java.nio.file.Path;

/**
 * Entry point to the Linux KVM backend. Like Netty's {@code Epoll}: check {@link #isAvailable()} (or
 * call {@link #ensureAvailability()}) and then {@link #open()}.
 */
public final class Kvm {
    public static final Path DEFAULT_DEVICE = Path.of("/dev/kvm");

    private static final Throwable UNAVAILABILITY_CAUSE = probe(DEFAULT_DEVICE);

    private Kvm() {}

    /** Why {@code device} cannot be used as KVM, or null when it can. Opens it as {@link #open(Path)} does. */
    static Throwable probe(Path device) {
        try {
            open(device).close();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Whether the native library loads and {@code /dev/kvm} opens with a matching API version. */
    public static boolean isAvailable() {
        return UNAVAILABILITY_CAUSE == null;
    }

    /** Why KVM is unavailable, or null when it is available. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABILITY_CAUSE;
    }

    public static void ensureAvailability() {
        if (UNAVAILABILITY_CAUSE instanceof HypervisorUnavailableException unavailable) throw unavailable;
        if (UNAVAILABILITY_CAUSE != null) {
            throw new HypervisorUnavailableException(
                    "open " + DEFAULT_DEVICE, "KVM is unavailable: " + UNAVAILABILITY_CAUSE, UNAVAILABILITY_CAUSE);
        }
    }

    public static Hypervisor open() {
        return open(DEFAULT_DEVICE);
    }

    /**
     * Opens the KVM device at {@code device}: natively, read-write and without creating it (a missing
     * path is reported, never created), and only if it is a character device answering KVM's API version.
     *
     * @throws HypervisorUnavailableException naming the path when it cannot be opened or the native
     *     library cannot be loaded
     */
    public static Hypervisor open(Path device) {
        NativeLibrary.ensureLoaded();
        try {
            return new Vmm(new KvmHypervisor(device));
        } catch (HypervisorUnavailableException e) {
            throw e;
        } catch (VmmException e) {
            throw new HypervisorUnavailableException(e.operation(), e.errno().orElse(0), e.getMessage());
        }
    }
}
