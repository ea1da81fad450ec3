package io.vmm4j.kvm;

import io.vmm4j.api.SerialPort;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.jni.NativeCore;

/** The native 16550 (cpp/devices/serial_16550) as a {@link SerialPort} whose state can be saved. */
final class NativeSerialPort implements SerialPort, StatefulDevice {
    // The native format's version (Serial16550::kStateVersion); the native side checks it too.
    private static final int STATE_VERSION = 1;

    private final NativeHandle vm;
    private final long serial;
    private final int basePort;
    private final int irq;

    NativeSerialPort(NativeHandle vm, long serial, int basePort, int irq) {
        this.vm = vm;
        this.serial = serial;
        this.basePort = basePort;
        this.irq = irq;
    }

    @Override
    public int basePort() {
        return basePort;
    }

    @Override
    public int irq() {
        return irq;
    }

    @Override
    public void sendInput(byte[] bytes) {
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
