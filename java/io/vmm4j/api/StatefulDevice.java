package io.vmm4j.api;

/** A device whose state can be saved into a {@link DeviceSnapshot} and restored from one. */
public interface StatefulDevice {
    /** Bumped whenever the layout of {@link #saveState()} changes. */
    int stateVersion();

    byte[] saveState();

    /** @throws IllegalArgumentException if {@code state} is malformed */
    void restoreState(int version, byte[] state);
}
