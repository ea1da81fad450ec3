package io.vmm4j.devices.virtio.block;

import io.vmm4j.devices.virtio.VirtioDeviceModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * virtio-blk (virtio 1.2 §5.2): features and configuration space. The native device serves read,
 * write, flush and get-id; a read-only disk offers VIRTIO_BLK_F_RO and fails writes with IOERR.
 */
public record BlockModel(long capacitySectors, boolean readOnly, int queueMaxSize) implements VirtioDeviceModel {
    public static final int DEVICE_ID = 2;
    public static final long F_SEG_MAX = 1L << 2;
    public static final long F_RO = 1L << 5;
    public static final long F_FLUSH = 1L << 9;
    public static final int CONFIG_BYTES = 60;

    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;
    public static final int S_OK = 0;
    public static final int S_IOERR = 1;
    public static final int S_UNSUPP = 2;

    @Override
    public int deviceId() {
        return DEVICE_ID;
    }

    @Override
    public long deviceFeatures() {
        return F_SEG_MAX | F_FLUSH | (readOnly ? F_RO : 0);
    }

    @Override
    public int queueCount() {
        return 1;
    }

    /** Data segments per request: the queue size less the header and the status descriptors. */
    public int segMax() {
        return queueMaxSize - 2;
    }

    @Override
    public byte[] configSpace() {
        ByteBuffer config = ByteBuffer.allocate(CONFIG_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        config.putLong(0, capacitySectors);
        config.putInt(12, segMax());
        return config.array();
    }
}
