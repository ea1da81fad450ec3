package io.vmm4j.api;

/**
 * The saved state of one device.
 *
 * @param deviceName the name the device was registered under
 * @param version the device's {@link StatefulDevice#stateVersion()} when saved
 * @param state opaque bytes from {@link StatefulDevice#saveState()}
 */
public record DeviceSnapshot(String deviceName, int version, byte[] state) {
    public DeviceSnapshot {
        state = state.clone();
    }

    @Override
    public byte[] state() {
        return state.clone();
    }
}
