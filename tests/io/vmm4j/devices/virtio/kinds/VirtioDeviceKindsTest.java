package io.vmm4j.devices.virtio.kinds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.RestoreOptions;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.devices.virtio.NativeDeviceSpec;
import io.vmm4j.devices.virtio.VirtioDeviceKind;
import io.vmm4j.devices.virtio.VirtioDeviceModel;
import io.vmm4j.devices.virtio.block.BlockModel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VirtioDeviceKindsTest {
    private static final List<VirtioDeviceConfig> ONE_OF_EACH = List.of(
            new VirtioDeviceConfig.Block("disk", Path.of("disk.img"), true, "serial-1"),
            new VirtioDeviceConfig.Rng("rng"),
            new VirtioDeviceConfig.Console("console", new ByteArrayOutputStream()));

    @Test
    void everyKindHasOneDescriptorWhoseIdsAgreeWithItsConfigAndModel() {
        Set<Integer> ids = new HashSet<>();
        for (VirtioDeviceConfig config : ONE_OF_EACH) {
            VirtioDeviceKinds.Bound<?> bound = VirtioDeviceKinds.forConfig(config);
            VirtioDeviceKind<?> kind = bound.kind();
            assertTrue(kind.configType().isInstance(config));
            assertEquals(config.deviceId(), kind.deviceId());
            long[] reported = config instanceof VirtioDeviceConfig.Block ? new long[] {2048} : new long[0];
            VirtioDeviceModel model = bound.model(256, reported);
            assertEquals(kind.deviceId(), model.deviceId());
            assertEquals(256, model.queueMaxSize());
            assertTrue(ids.add(kind.deviceId()), "one descriptor per id");
        }
        assertEquals(VirtioDeviceKinds.all().size(), ids.size(), "every listed kind was reached");
    }

    @Test
    void aDiskIsBuiltFromItsPathSerialAndReadOnlyFlagAndTakesItsCapacityFromTheNativeDevice() {
        VirtioDeviceConfig.Block disk = new VirtioDeviceConfig.Block("disk", Path.of("disk.img"), true, "serial-1");
        NativeDeviceSpec spec = VirtioDeviceKinds.forConfig(disk).nativeSpec();
        assertEquals("block", spec.nativeKind());
        assertEquals(Path.of("disk.img").toAbsolutePath().toString(), spec.path());
        assertEquals("serial-1", spec.label());
        assertArrayEquals(new long[] {1}, spec.numbers());
        BlockModel model = (BlockModel) VirtioDeviceKinds.forConfig(disk).model(128, new long[] {4096});
        assertEquals(4096, model.capacitySectors());
        assertTrue(model.readOnly());
        assertThrows(
                IllegalStateException.class,
                () -> VirtioDeviceKinds.forConfig(disk).model(128, new long[0]));
    }

    @Test
    void aConsoleHandsItsOutputStreamToTheNativeDevice() {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        NativeDeviceSpec spec = VirtioDeviceKinds.forConfig(new VirtioDeviceConfig.Console("c", output))
                .nativeSpec();
        assertEquals("console", spec.nativeKind());
        assertEquals(output, spec.output().orElseThrow());
    }

    @Test
    void aConfigurationOfNoKnownKindIsRefusedByName() {
        VirtioDeviceConfig unknown = new VirtioDeviceConfig() {
            @Override
            public String name() {
                return "gpu";
            }

            @Override
            public int deviceId() {
                return 16;
            }
        };
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> VirtioDeviceKinds.forConfig(unknown));
        assertTrue(e.getMessage().startsWith("no virtio device kind takes "), e.getMessage());
    }

    @Test
    void everyKindsConfigurationComesBackFromWhatASnapshotRecords(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("disk.img"), new byte[8 * 512]);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        RestoreOptions options =
                RestoreOptions.builder().output("console", output).build();
        for (VirtioDeviceConfig config : List.of(
                new VirtioDeviceConfig.Block("disk", file, true, "serial-1"),
                new VirtioDeviceConfig.Rng("rng"),
                new VirtioDeviceConfig.Console("console", new ByteArrayOutputStream()))) {
            byte[] saved = VirtioDeviceKinds.forConfig(config).saveConfig();
            VirtioDeviceConfig restored =
                    VirtioDeviceKinds.restoreConfig(config.name(), config.deviceId(), saved, options);
            if (config instanceof VirtioDeviceConfig.Console) {
                assertEquals(new VirtioDeviceConfig.Console("console", output), restored, "the restore's output");
            } else {
                assertEquals(config, restored);
            }
        }
    }

    @Test
    void aRestoredDiskMustKeepItsSizeAndMayMoveToAnotherFile(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("disk.img"), new byte[8 * 512]);
        Path copy = Files.write(dir.resolve("copy.img"), new byte[8 * 512]);
        Path bigger = Files.write(dir.resolve("bigger.img"), new byte[16 * 512]);
        byte[] saved = VirtioDeviceKinds.forConfig(new VirtioDeviceConfig.Block("disk", file, false, "s"))
                .saveConfig();
        VirtioDeviceConfig moved = VirtioDeviceKinds.restoreConfig(
                "disk", 2, saved, RestoreOptions.builder().disk("disk", copy).build());
        assertEquals(copy, ((VirtioDeviceConfig.Block) moved).path());
        IllegalArgumentException grown = assertThrows(
                IllegalArgumentException.class,
                () -> VirtioDeviceKinds.restoreConfig(
                        "disk",
                        2,
                        saved,
                        RestoreOptions.builder().disk("disk", bigger).build()));
        assertEquals(
                "disk 'disk': " + bigger + " is 8192 bytes, but the snapshotted guest knows the disk as 4096 bytes",
                grown.getMessage());
    }

    @Test
    void aMalformedOrUnknownRecordIsRefusedNamingTheDeviceAndOffset() {
        IllegalArgumentException truncated = assertThrows(
                IllegalArgumentException.class,
                () -> VirtioDeviceKinds.restoreConfig("disk", 2, new byte[] {0, 0}, RestoreOptions.none()));
        assertTrue(
                truncated.getMessage().startsWith("virtio-blk 'disk' configuration state, offset 0"),
                truncated.getMessage());
        IllegalArgumentException trailing = assertThrows(
                IllegalArgumentException.class,
                () -> VirtioDeviceKinds.restoreConfig("rng", 4, new byte[] {1}, RestoreOptions.none()));
        assertTrue(trailing.getMessage().contains("'rng'"), trailing.getMessage());
        IllegalArgumentException unknown = assertThrows(
                IllegalArgumentException.class,
                () -> VirtioDeviceKinds.restoreConfig("gpu", 16, new byte[0], RestoreOptions.none()));
        assertEquals("virtio device 'gpu' has device id 16, which no kind builds", unknown.getMessage());
    }
}
