package io.vmm4j.devices.virtio.console;

import io.vmm4j.devices.virtio.VirtioDeviceModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * virtio-console (virtio 1.2 §5.3) with a single port and none of SIZE, MULTIPORT or EMERG_WRITE:
 * queue 0 is port 0's receiveq (host to guest), queue 1 its transmitq (guest to host).
 */
public record ConsoleModel(int queueMaxSize) implements VirtioDeviceModel {
    public static final int DEVICE_ID = 3;
    public static final int RECEIVE_QUEUE = 0;
    public static final int TRANSMIT_QUEUE = 1;

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long deviceFeatures() {
        return 0;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public byte[] configSpace() {
        // cols, rows (unused without F_SIZE), max_nr_ports (unused without F_MULTIPORT), emerg_wr.
        ByteBuffer config = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        config.putInt(4, 1);
        return config.array();
    }
}
