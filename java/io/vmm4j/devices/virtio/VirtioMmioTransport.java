package io.vmm4j.devices.virtio;

import static io.vmm4j.devices.virtio.VirtioFeatures.STATUS_DEVICE_NEEDS_RESET;
import static io.vmm4j.devices.virtio.VirtioFeatures.STATUS_DRIVER_OK;
import static io.vmm4j.devices.virtio.VirtioFeatures.STATUS_FEATURES_OK;

import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.state.StateWriter;
import java.util.Arrays;
import java.util.Objects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The register file of a virtio-mmio device, version 2 (virtio 1.2 §4.2.2): identity, feature
 * negotiation, queue set-up, status and reset, interrupt status, and the configuration space with
 * its generation counter. It runs on vCPU threads under its monitor (the VM calls IoDevices one at
 * a time); QueueNotify normally never reaches it, because the VM routes that register to an
 * ioeventfd.
 *
 * <p>Its state ({@link StatefulDevice}) holds the registers and, nested, the native device's state
 * from {@link VirtioBackend#saveState()}.
 */
public final class VirtioMmioTransport implements IoDevice, StatefulDevice {
    private static final Logger LOG = LogManager.getLogger(VirtioMmioTransport.class);

    public static final int MAGIC = 0x74726976; // "virt"
    public static final int VERSION = 2;
    public static final int VENDOR_ID = 0x4a4d4d56; // "VMMJ"

    public static final int MAGIC_VALUE = 0x000;
    public static final int VERSION_REG = 0x004;
    public static final int DEVICE_ID = 0x008;
    public static final int VENDOR_ID_REG = 0x00c;
    public static final int DEVICE_FEATURES = 0x010;
    public static final int DEVICE_FEATURES_SEL = 0x014;
    public static final int DRIVER_FEATURES = 0x020;
    public static final int DRIVER_FEATURES_SEL = 0x024;
    public static final int QUEUE_SEL = 0x030;
    public static final int QUEUE_NUM_MAX = 0x034;
    public static final int QUEUE_NUM = 0x038;
    public static final int QUEUE_READY = 0x044;
    public static final int QUEUE_NOTIFY = 0x050;
    public static final int INTERRUPT_STATUS = 0x060;
    public static final int INTERRUPT_ACK = 0x064;
    public static final int STATUS = 0x070;
    public static final int QUEUE_DESC_LOW = 0x080;
    public static final int QUEUE_DESC_HIGH = 0x084;
    public static final int QUEUE_DRIVER_LOW = 0x090;
    public static final int QUEUE_DRIVER_HIGH = 0x094;
    public static final int QUEUE_DEVICE_LOW = 0x0a0;
    public static final int QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int SHM_SEL = 0x0ac;
    public static final int SHM_LEN_LOW = 0x0b0;
    public static final int SHM_LEN_HIGH = 0x0b4;
    public static final int SHM_BASE_LOW = 0x0b8;
    public static final int SHM_BASE_HIGH = 0x0bc;
    public static final int QUEUE_RESET = 0x0c0;
    public static final int CONFIG_GENERATION = 0x0fc;
    public static final int CONFIG = 0x100;

    private static final int STATE_VERSION = 1;
    private static final int MAX_BACKEND_STATE = 1 << 24;

    private final String name;
    private final VirtioDeviceModel model;
    private final VirtioBackend backend;
    private final long offeredFeatures;
    private final Queue[] queues;

    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int configGeneration;
    private byte[] config;
    private String activationFailure; // why DRIVER_OK could not start the device, or null

    /** What the driver wrote for one queue. */
    private static final class Queue {
        int num;
        boolean ready;
        long desc;
        long driver;
        long device;

        void clear() {
            num = 0;
            ready = false;
            desc = driver = device = 0;
        }
    }

    public VirtioMmioTransport(String name, VirtioDeviceModel model, VirtioBackend backend) {
        this.name = Objects.requireNonNull(name, "name");
        this.model = Objects.requireNonNull(model, "model");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.offeredFeatures = model.deviceFeatures() | VirtioFeatures.TRANSPORT;
        this.queues = new Queue[model.queueCount()];
        Arrays.setAll(queues, i -> new Queue());
        this.config = model.configSpace().clone();
    }

    public long offeredFeatures() {
        return offeredFeatures;
    }

    /** Replaces the configuration space (for example a resized disk) and bumps ConfigGeneration. */
    public synchronized void updateConfig(byte[] newConfig) {
        config = newConfig.clone();
        configGeneration++;
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset >= CONFIG) return readConfig((int) (offset - CONFIG), size);
        if (size != 4) return 0; // registers are 32-bit only (§4.2.2.2)
        switch ((int) offset) {
            case MAGIC_VALUE:
                return MAGIC;
            case VERSION_REG:
                return VERSION;
            case DEVICE_ID:
                return model.deviceId();
            case VENDOR_ID_REG:
                return VENDOR_ID;
            case DEVICE_FEATURES:
                return deviceFeaturesSel > 1 ? 0 : (offeredFeatures >>> (32 * deviceFeaturesSel)) & 0xffff_ffffL;
            case QUEUE_NUM_MAX:
                return selectedQueue() == null ? 0 : model.queueMaxSize();
            case QUEUE_READY: {
                Queue queue = selectedQueue();
                return queue != null && queue.ready ? 1 : 0;
            }
            case INTERRUPT_STATUS:
                return backend.interruptStatus();
            case STATUS:
                return status | (needsReset() ? STATUS_DEVICE_NEEDS_RESET : 0);
            case SHM_LEN_LOW:
            case SHM_LEN_HIGH:
            case SHM_BASE_LOW:
            case SHM_BASE_HIGH:
                return 0xffff_ffffL; // no shared memory regions
            case CONFIG_GENERATION:
                return configGeneration;
            default:
                return 0;
        }
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        if (offset >= CONFIG) return; // no device here has a writable configuration field
        if (size != 4) return;
        int v = (int) value;
        switch ((int) offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = v;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = v;
            case DRIVER_FEATURES -> {
                if ((status & STATUS_FEATURES_OK) != 0 || driverFeaturesSel > 1) return;
                int shift = 32 * driverFeaturesSel;
                driverFeatures = (driverFeatures & ~(0xffff_ffffL << shift)) | ((v & 0xffff_ffffL) << shift);
            }
            case QUEUE_SEL -> queueSel = v;
            case QUEUE_NUM -> withConfigurableQueue(q -> q.num = v);
            case QUEUE_READY -> withConfigurableQueue(q -> q.ready = (v & 1) != 0);
            case QUEUE_DESC_LOW -> withConfigurableQueue(q -> q.desc = low(q.desc, v));
            case QUEUE_DESC_HIGH -> withConfigurableQueue(q -> q.desc = high(q.desc, v));
            case QUEUE_DRIVER_LOW -> withConfigurableQueue(q -> q.driver = low(q.driver, v));
            case QUEUE_DRIVER_HIGH -> withConfigurableQueue(q -> q.driver = high(q.driver, v));
            case QUEUE_DEVICE_LOW -> withConfigurableQueue(q -> q.device = low(q.device, v));
            case QUEUE_DEVICE_HIGH -> withConfigurableQueue(q -> q.device = high(q.device, v));
            case QUEUE_NOTIFY -> {
                if ((status & STATUS_DRIVER_OK) != 0 && v >= 0 && v < queues.length) backend.notifyQueue(v);
            }
            case INTERRUPT_ACK -> backend.acknowledgeInterrupt(v);
            case STATUS -> writeStatus(v);
            default -> {} // read-only registers, SHMSel, QueueReset (VIRTIO_F_RING_RESET is not offered)
        }
    }

    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int requested = value & ~STATUS_DEVICE_NEEDS_RESET;
        int added = requested & ~status;
        if ((requested & status) != status) return; // the driver may not clear bits, only reset
        if ((added & STATUS_FEATURES_OK) != 0 && !featuresAcceptable()) {
            requested &= ~STATUS_FEATURES_OK; // refused: the driver reads it back clear (§3.1.1)
            added &= ~STATUS_FEATURES_OK;
        }
        if ((added & STATUS_DRIVER_OK) != 0) {
            if ((requested & STATUS_FEATURES_OK) == 0) {
                requested &= ~STATUS_DRIVER_OK;
            } else {
                activate();
            }
        }
        status = requested;
    }

    private boolean featuresAcceptable() {
        if ((driverFeatures & ~offeredFeatures) != 0) {
            LOG.debug(
                    "{}: driver asked for features 0x{} that were not offered (0x{})",
                    name,
                    Long.toHexString(driverFeatures & ~offeredFeatures),
                    Long.toHexString(offeredFeatures));
            return false;
        }
        if ((driverFeatures & VirtioFeatures.VERSION_1) == 0) {
            LOG.debug("{}: driver did not accept VIRTIO_F_VERSION_1; legacy drivers are not supported", name);
            return false;
        }
        return true;
    }

    private void activate() {
        VirtioBackend.QueueSetup[] setups = new VirtioBackend.QueueSetup[queues.length];
        for (int i = 0; i < queues.length; i++) {
            Queue q = queues[i];
            setups[i] = q.ready
                    ? new VirtioBackend.QueueSetup(q.num, q.desc, q.driver, q.device)
                    : VirtioBackend.QueueSetup.UNUSED;
            if (q.ready && (q.num <= 0 || q.num > model.queueMaxSize() || Integer.bitCount(q.num) != 1)) {
                fail("queue " + i + " size " + q.num + " is not a power of 2 up to " + model.queueMaxSize());
                return;
            }
        }
        try {
            backend.activate(setups, driverFeatures);
        } catch (RuntimeException e) {
            fail(e.getMessage());
        }
    }

    private void fail(String why) {
        LOG.debug("{}: cannot start the device: {}", name, why);
        activationFailure = name + ": " + why;
    }

    private void reset() {
        backend.reset();
        status = 0;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        activationFailure = null;
        for (Queue q : queues) q.clear();
    }

    private boolean needsReset() {
        return activationFailure != null || backend.needsReset();
    }

    /** The device's own description of why it needs a reset, or empty. */
    public synchronized String failure() {
        return activationFailure != null ? activationFailure : backend.failure();
    }

    public synchronized int status() {
        return status | (needsReset() ? STATUS_DEVICE_NEEDS_RESET : 0);
    }

    private Queue selectedQueue() {
        return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null;
    }

    private void withConfigurableQueue(java.util.function.Consumer<Queue> change) {
        Queue queue = selectedQueue();
        // Queue registers are set up before DRIVER_OK; later writes are ignored.
        if (queue != null && (status & STATUS_DRIVER_OK) == 0) change.accept(queue);
    }

    private long readConfig(int offset, int size) {
        if (size != 1 && size != 2 && size != 4 && size != 8) return 0;
        long value = 0;
        for (int i = 0; i < size; i++) {
            int index = offset + i;
            int b = index >= 0 && index < config.length ? config[index] & 0xff : 0;
            value |= (long) b << (8 * i);
        }
        return value;
    }

    private static long low(long current, int v) {
        return (current & 0xffff_ffff_0000_0000L) | (v & 0xffff_ffffL);
    }

    private static long high(long current, int v) {
        return (current & 0xffff_ffffL) | ((long) v << 32);
    }

    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    @Override
    public synchronized byte[] saveState() {
        StateWriter out = new StateWriter()
                .i32(model.deviceId())
                .i64(offeredFeatures)
                .i32(queues.length)
                .i32(status)
                .i32(deviceFeaturesSel)
                .i32(driverFeaturesSel)
                .i64(driverFeatures)
                .i32(queueSel)
                .i32(configGeneration)
                .blob(config)
                .text(activationFailure);
        for (Queue q : queues) {
            out.i32(q.num).bool(q.ready).i64(q.desc).i64(q.driver).i64(q.device);
        }
        return out.blob(backend.saveState()).toByteArray();
    }

    @Override
    public synchronized void restoreState(int version, byte[] state) {
        StateReader in = StateReader.of("virtio-mmio " + name, STATE_VERSION, version, state);
        int at = in.offset();
        int deviceId = in.i32("device id");
        if (deviceId != model.deviceId()) {
            throw in.refuse(at, "saved from device id " + deviceId + ", this is device id " + model.deviceId());
        }
        at = in.offset();
        long features = in.i64("offered features");
        if (features != offeredFeatures) {
            throw in.refuse(
                    at,
                    "saved with features 0x" + Long.toHexString(features) + ", this device offers 0x"
                            + Long.toHexString(offeredFeatures));
        }
        at = in.offset();
        int queueCount = in.i32("queue count");
        if (queueCount != queues.length) {
            throw in.refuse(at, "saved with " + queueCount + " queues, this device has " + queues.length);
        }
        at = in.offset();
        int savedStatus = in.i32("status");
        if ((savedStatus & STATUS_DEVICE_NEEDS_RESET) != 0) {
            throw in.refuse(at, "status has DEVICE_NEEDS_RESET, which the device reports, not stores");
        }
        int savedDeviceFeaturesSel = in.i32("DeviceFeaturesSel");
        int savedDriverFeaturesSel = in.i32("DriverFeaturesSel");
        long savedDriverFeatures = in.i64("driver features");
        int savedQueueSel = in.i32("QueueSel");
        int savedConfigGeneration = in.i32("ConfigGeneration");
        byte[] savedConfig = in.blob("configuration space", 0x1000 - CONFIG);
        String savedFailure = in.text("activation failure", 4096);
        Queue[] savedQueues = new Queue[queues.length];
        for (int i = 0; i < queues.length; i++) {
            Queue q = new Queue();
            q.num = in.i32("queue " + i + " QueueNum");
            q.ready = in.bool("queue " + i + " QueueReady");
            q.desc = in.i64("queue " + i + " descriptor table");
            q.driver = in.i64("queue " + i + " driver area");
            q.device = in.i64("queue " + i + " device area");
            savedQueues[i] = q;
        }
        at = in.offset();
        byte[] backendState = in.blob("native device state", MAX_BACKEND_STATE);
        in.finish();
        try {
            backend.restoreState(backendState); // checks the rings; changes nothing when it throws
        } catch (IllegalArgumentException e) {
            throw in.refuse(at, "native device state: " + e.getMessage());
        }
        status = savedStatus;
        deviceFeaturesSel = savedDeviceFeaturesSel;
        driverFeaturesSel = savedDriverFeaturesSel;
        driverFeatures = savedDriverFeatures;
        queueSel = savedQueueSel;
        configGeneration = savedConfigGeneration;
        config = savedConfig;
        activationFailure = savedFailure;
        for (int i = 0; i < queues.length; i++) {
            Queue q = queues[i];
            q.num = savedQueues[i].num;
            q.ready = savedQueues[i].ready;
            q.desc = savedQueues[i].desc;
            q.driver = savedQueues[i].driver;
            q.device = savedQueues[i].device;
        }
    }
}
