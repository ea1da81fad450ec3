package io.vmm4j.devices.virtio;

import static io.vmm4j.devices.virtio.VirtioMmioTransport.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.devices.virtio.console.ConsoleModel;
import io.vmm4j.devices.virtio.rng.RngModel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The register state machine alone, with a recording backend. */
class VirtioMmioTransportTest {
    static final class FakeBackend implements VirtioBackend {
        QueueSetup[] activated;
        long features;
        int resets;
        int isr;
        boolean broken;

        @Override
        public void activate(QueueSetup[] queues, long negotiatedFeatures) {
            activated = queues;
            features = negotiatedFeatures;
        }

        @Override
        public void reset() {
            resets++;
            activated = null;
        }

        @Override
        public int interruptStatus() {
            return isr;
        }

        @Override
        public void acknowledgeInterrupt(int bits) {
            isr &= ~bits;
        }

        @Override
        public boolean needsReset() {
            return broken;
        }

        @Override
        public String failure() {
            return broken ? "broken" : "";
        }

        @Override
        public void notifyQueue(int queue) {}

        byte[] nativeState = {1, 2, 3};
        int restores;

        @Override
        public byte[] saveState() {
            return nativeState.clone();
        }

        @Override
        public void restoreState(byte[] state) {
            if (state.length > 0 && state[0] == (byte) 0xee) throw new IllegalArgumentException("ring outside RAM");
            nativeState = state.clone();
            restores++;
        }
    }

    private final FakeBackend backend = new FakeBackend();
    private final VirtioMmioTransport t = new VirtioMmioTransport("rng", new RngModel(256), backend);

    private int r(int offset) {
        return (int) t.read(offset, 4);
    }

    private void w(int offset, int value) {
        t.write(offset, 4, value & 0xffff_ffffL);
    }

    private void negotiate(long features) {
        w(STATUS, 1);
        w(STATUS, 3);
        w(DRIVER_FEATURES_SEL, 0);
        w(DRIVER_FEATURES, (int) features);
        w(DRIVER_FEATURES_SEL, 1);
        w(DRIVER_FEATURES, (int) (features >>> 32));
        w(STATUS, 0xb);
    }

    @Test
    void identityRegisters() {
        assertEquals(0x74726976, r(MAGIC_VALUE));
        assertEquals(2, r(VERSION_REG));
        assertEquals(4, r(DEVICE_ID));
        assertEquals(VENDOR_ID, r(VENDOR_ID_REG));
        w(DEVICE_FEATURES_SEL, 1);
        assertEquals(1, r(DEVICE_FEATURES), "VERSION_1 is bit 32");
        w(DEVICE_FEATURES_SEL, 0);
        assertEquals((int) (VirtioFeatures.RING_INDIRECT_DESC | VirtioFeatures.RING_EVENT_IDX), r(DEVICE_FEATURES));
        w(DEVICE_FEATURES_SEL, 2);
        assertEquals(0, r(DEVICE_FEATURES));
        assertEquals(256, r(QUEUE_NUM_MAX));
        w(QUEUE_SEL, 1);
        assertEquals(0, r(QUEUE_NUM_MAX), "no queue 1");
        assertEquals(-1, r(SHM_LEN_LOW));
        assertEquals(0, t.read(MAGIC_VALUE, 2), "registers are 32-bit only");
    }

    @Test
    void featuresOkIsRefusedForUnofferedFeaturesOrWithoutVersion1() {
        negotiate(VirtioFeatures.VERSION_1 | (1L << 5));
        assertEquals(3, r(STATUS), "bit 5 was not offered");
        w(STATUS, 0);
        negotiate(VirtioFeatures.RING_EVENT_IDX);
        assertEquals(3, r(STATUS), "legacy driver");
        w(STATUS, 0);
        negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX);
        assertEquals(0xb, r(STATUS));
    }

    @Test
    void driverOkHandsTheReadyQueuesToTheBackend() {
        negotiate(VirtioFeatures.VERSION_1);
        w(QUEUE_SEL, 0);
        w(QUEUE_NUM, 128);
        w(QUEUE_DESC_LOW, 0x1000);
        w(QUEUE_DESC_HIGH, 1);
        w(QUEUE_DRIVER_LOW, 0x2000);
        w(QUEUE_DEVICE_LOW, 0x3000);
        w(QUEUE_READY, 1);
        assertEquals(1, r(QUEUE_READY));
        w(STATUS, 0xf);
        assertEquals(0xf, r(STATUS));
        assertArrayEquals(
                new VirtioBackend.QueueSetup[] {new VirtioBackend.QueueSetup(128, 0x1_0000_1000L, 0x2000, 0x3000)},
                backend.activated);
        assertEquals(VirtioFeatures.VERSION_1, backend.features);
        w(QUEUE_NUM, 4); // ignored after DRIVER_OK
        w(STATUS, 0);
        assertNull(backend.activated);
        assertEquals(1, backend.resets);
        assertEquals(0, r(STATUS));
        assertEquals(0, r(QUEUE_READY), "reset releases every queue");
    }

    @Test
    void badQueueSizeOrNoFeaturesOkNeverActivates() {
        negotiate(VirtioFeatures.VERSION_1);
        w(QUEUE_NUM, 100);
        w(QUEUE_READY, 1);
        w(STATUS, 0xf);
        assertNull(backend.activated);
        assertEquals(0x40, r(STATUS) & 0x40, "needs reset");
        w(STATUS, 0);
        w(STATUS, 1);
        w(STATUS, 3);
        w(STATUS, 7); // DRIVER_OK without FEATURES_OK
        assertNull(backend.activated);
        assertEquals(3, r(STATUS));
    }

    @Test
    void interruptAndNeedsResetComeFromTheBackend() {
        backend.isr = 3;
        assertEquals(3, r(INTERRUPT_STATUS));
        w(INTERRUPT_ACK, 1);
        assertEquals(2, r(INTERRUPT_STATUS));
        negotiate(VirtioFeatures.VERSION_1);
        backend.broken = true;
        assertEquals(0x4b, r(STATUS));
        assertNotNull(t.failure());
    }

    @Test
    void configSpaceAndGeneration() {
        VirtioMmioTransport blk = new VirtioMmioTransport(
                "blk", new io.vmm4j.devices.virtio.block.BlockModel(0x1_2345_6789L, false, 256), backend);
        assertEquals(0x23456789L, blk.read(CONFIG, 4));
        assertEquals(0x1_2345_6789L, blk.read(CONFIG, 8));
        assertEquals(0x89, blk.read(CONFIG, 1));
        assertEquals(0x2345, blk.read(CONFIG + 2, 2));
        assertEquals(254, blk.read(CONFIG + 12, 4));
        assertEquals(0, blk.read(CONFIG + 4000, 4), "beyond the config space");
        int generation = (int) blk.read(CONFIG_GENERATION, 4);
        blk.updateConfig(new byte[60]);
        assertEquals(generation + 1, blk.read(CONFIG_GENERATION, 4));
    }

    /** A driver that negotiated, set up queue 0 and started the device, then selected odd registers. */
    private void runningDevice() {
        negotiate(VirtioFeatures.VERSION_1 | VirtioFeatures.RING_EVENT_IDX);
        w(QUEUE_SEL, 0);
        w(QUEUE_NUM, 64);
        w(QUEUE_DESC_LOW, 0x1000);
        w(QUEUE_DESC_HIGH, 1);
        w(QUEUE_DRIVER_LOW, 0x2000);
        w(QUEUE_DEVICE_LOW, 0x3000);
        w(QUEUE_READY, 1);
        w(STATUS, 0xf);
        w(DEVICE_FEATURES_SEL, 1);
        w(QUEUE_SEL, 7);
        t.updateConfig(new byte[] {9});
        backend.nativeState = new byte[] {4, 5, 6, 7};
    }

    @Test
    void stateRoundTripIsExactAndNestsTheNativeState() {
        runningDevice();
        byte[] saved = t.saveState();
        FakeBackend other = new FakeBackend();
        VirtioMmioTransport copy = new VirtioMmioTransport("rng", new RngModel(256), other);
        copy.restoreState(t.stateVersion(), saved);
        assertArrayEquals(saved, copy.saveState(), "saving after a restore gives the same bytes");
        assertArrayEquals(new byte[] {4, 5, 6, 7}, other.nativeState);
        assertNull(other.activated, "a restore does not activate afresh: the native state resumes the queues");
        for (int register : new int[] {STATUS, CONFIG_GENERATION, DEVICE_FEATURES}) {
            assertEquals(t.read(register, 4), copy.read(register, 4), "register 0x" + Integer.toHexString(register));
        }
        assertEquals(9, copy.read(CONFIG, 1));
        copy.write(QUEUE_SEL, 4, 0);
        assertEquals(1, copy.read(QUEUE_READY, 4));
        copy.write(STATUS, 4, 0); // and the driver can reset it as usual
        assertEquals(1, other.resets);
    }

    @Test
    void malformedStateIsRefusedNamingTheDeviceAndOffsetAndChangesNothing() {
        runningDevice();
        byte[] saved = t.saveState();
        FakeBackend other = new FakeBackend();
        VirtioMmioTransport copy = new VirtioMmioTransport("rng", new RngModel(256), other);
        byte[] before = copy.saveState();
        for (int length = 0; length < saved.length; length++) {
            byte[] truncated = Arrays.copyOf(saved, length);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> copy.restoreState(1, truncated));
            assertTrue(e.getMessage().startsWith("virtio-mmio rng state, offset "), e.getMessage());
        }
        assertRefused(copy, 1, Arrays.copyOf(saved, saved.length + 1), "1 bytes after the last field");
        assertRefused(copy, 2, saved, "version 2 is not supported");
        byte[] badNative = saved.clone();
        badNative[saved.length - 4] = (byte) 0xee; // the fake backend refuses it
        assertRefused(copy, 1, badNative, "native device state: ring outside RAM");
        byte[] needsReset = saved.clone();
        needsReset[4 + 8 + 4 + 3] |= 0x40;
        assertRefused(copy, 1, needsReset, "offset 16: status has DEVICE_NEEDS_RESET");
        assertArrayEquals(before, copy.saveState(), "a refused restore changed the device");
        assertEquals(0, other.restores);
        VirtioMmioTransport console = new VirtioMmioTransport("console", new ConsoleModel(256), other);
        assertRefused(console, 1, saved, "offset 0: saved from device id 4, this is device id 3");
    }

    private static void assertRefused(VirtioMmioTransport device, int version, byte[] state, String expected) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> device.restoreState(version, state));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
