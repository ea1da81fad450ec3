package io.vmm4j.kvm;

import io.vmm4j.api.StatefulDevice;
import io.vmm4j.jni.NativeCore;
import io.vmm4j.vmm.backend.SerialInput;

/** The native 16550 (cpp/devices/serial_16550): its input, and its state for snapshots. */
final class NativeSerialPort implements SerialInput, StatefulDevice {
    // The native format's version (Serial16550::kStateVersion); the native side checks it too.
    private static final int STATE_VERSION = 1;

    private final NativeHandle vm;
    private final long serial;
    private final int basePort;

    NativeSerialPort(NativeHandle vm, long serial, int basePort) {
        this.vm = vm;
        this.serial = serial;
        this.basePort = basePort;
    }

    @Override
    public void send(byte[] bytes) {
        vm.call(h -> NativeCore.vmm4j_serial_enqueue_input(serial, bytes, bytes.length));
    }

    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    @Override
    public byte[] saveState() {
        return NativeState.save(
                buffer -> vm.call(h -> NativeCore.vmm4j_serial_save_state(serial, buffer, buffer.length)));
    }

    @Override
    public void restoreState(int version, byte[] state) {
        if (version != STATE_VERSION) {
            throw new IllegalArgumentException("16550 UART at port 0x" + Integer.toHexString(basePort)
                    + " state: version " + version + " is not supported (only " + STATE_VERSION + ")");
        }
        vm.call(h -> NativeCore.vmm4j_serial_restore_state(serial, state, state.length));
    }
}
