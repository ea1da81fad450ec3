package io.vmm4j.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.InvalidSnapshotException;
import io.vmm4j.api.VmConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state file's container and contents, on any host: round trips, and every kind of bad file. */
class StateFileTest {
    @TempDir
    Path temp;

    private static SnapshotContents contents(Optional<SnapshotContents.Parent> parent, long[] pages) {
        VmConfig config = VmConfig.builder()
                .vcpuCount(2)
                .memoryMiB(8)
                .irqchip(true)
                .cpuFeature("x2apic", false)
                .ioThreadCpus(1)
                .pit(VmConfig.Pit.DISCARD)
                .cpuModel("qemu64")
                .build();
        return new SnapshotContents(
                parent,
                1234,
                8L << 20,
                config,
                List.of(
                        new DeviceRecord.Serial("com1", 0x3f8, 4),
                        new DeviceRecord.JavaIo("echo", "", true, 0xd000_0000L, 0x1000),
                        new DeviceRecord.JavaIo("rtc", "cmos-rtc", false, 0x70, 2),
                        new DeviceRecord.Null("post", false, 0x80, 1),
                        new DeviceRecord.Virtio("disk", 2, new byte[] {10, 11}),
                        new DeviceRecord.GenerationId("vmgenid", 0x9f000, 23)),
                new byte[] {1, 2, 3},
                List.of(new byte[] {4, 5}, new byte[] {6}),
                List.of(new DeviceSnapshot("echo", 3, new byte[] {7, 8, 9})),
                pages);
    }

    private Path write(SnapshotContents contents) {
        Path file = temp.resolve("state");
        StateFile.write(file, contents.toSections());
        return file;
    }

    @Test
    void aFullSnapshotRoundTrips() {
        SnapshotContents written = contents(Optional.empty(), null);
        Path file = write(written);
        SnapshotContents read = SnapshotContents.fromSections(file, StateFile.read(file));
        assertEquals(written.config(), read.config());
        assertEquals(written.devices(), read.devices());
        assertArrayEquals(written.vmState(), read.vmState());
        assertEquals(2, read.vcpuStates().size());
        assertArrayEquals(written.vcpuStates().get(1), read.vcpuStates().get(1));
        assertEquals("echo", read.deviceStates().get(0).deviceName());
        assertEquals(3, read.deviceStates().get(0).version());
        assertArrayEquals(new byte[] {7, 8, 9}, read.deviceStates().get(0).state());
        assertEquals(Optional.empty(), read.parent());
    }

    @Test
    void aDiffRoundTripsWithItsParentAndPages() {
        SnapshotContents.Parent parent = new SnapshotContents.Parent(Path.of("/snapshots/base"), 0xdeadbeefL);
        Path file = write(contents(Optional.of(parent), new long[] {5, -1, 0}));
        SnapshotContents read = SnapshotContents.fromSections(file, StateFile.read(file));
        assertEquals(Optional.of(parent), read.parent());
        assertArrayEquals(new long[] {5, -1, 0}, read.pages());
    }

    @Test
    void everyFlippedByteIsRefusedNamingTheFileAndAnOffset() throws Exception {
        Path file = write(contents(Optional.empty(), null));
        byte[] good = Files.readAllBytes(file);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            InvalidSnapshotException e =
                    assertThrows(InvalidSnapshotException.class, () -> StateFile.decode(file, bad), "byte " + i);
            assertTrue(e.getMessage().startsWith(file + " at offset "), e.getMessage());
            assertTrue(e.offset() >= 0 && e.offset() <= good.length, e.getMessage());
        }
    }

    /** Random damage (seeded): several bytes changed, bytes inserted or removed; always one clear refusal. */
    @Test
    void randomDamageIsAlwaysOneInvalidSnapshotException() throws Exception {
        Path file = write(contents(Optional.empty(), null));
        byte[] good = Files.readAllBytes(file);
        java.util.Random random = new java.util.Random(13);
        for (int round = 0; round < 5000; round++) {
            byte[] bad;
            switch (round % 3) {
                case 0 -> {
                    bad = good.clone();
                    for (int i = 0, n = 1 + random.nextInt(8); i < n; i++)
                        bad[random.nextInt(bad.length)] ^= (byte) (1 + random.nextInt(255));
                }
                case 1 -> {
                    int at = random.nextInt(good.length);
                    byte[] extra = new byte[1 + random.nextInt(16)];
                    random.nextBytes(extra);
                    bad = new byte[good.length + extra.length];
                    System.arraycopy(good, 0, bad, 0, at);
                    System.arraycopy(extra, 0, bad, at, extra.length);
                    System.arraycopy(good, at, bad, at + extra.length, good.length - at);
                }
                default -> {
                    int at = random.nextInt(good.length);
                    int length = 1 + random.nextInt(Math.min(16, good.length - at));
                    bad = new byte[good.length - length];
                    System.arraycopy(good, 0, bad, 0, at);
                    System.arraycopy(good, at + length, bad, at, good.length - at - length);
                }
            }
            byte[] damaged = bad;
            InvalidSnapshotException e = assertThrows(
                    InvalidSnapshotException.class, () -> StateFile.decode(file, damaged), "round " + round);
            assertTrue(e.getMessage().startsWith(file + " at offset "), e.getMessage());
        }
    }

    @Test
    void everyTruncationIsRefused() throws Exception {
        Path file = write(contents(Optional.empty(), null));
        byte[] good = Files.readAllBytes(file);
        for (int length = 0; length < good.length; length++) {
            byte[] bad = Arrays.copyOf(good, length);
            InvalidSnapshotException e =
                    assertThrows(InvalidSnapshotException.class, () -> StateFile.decode(file, bad), "length " + length);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        }
    }

    @Test
    void anotherFormatVersionIsRefusedAtItsOffset() throws Exception {
        Path file = write(contents(Optional.empty(), null));
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 2);
        InvalidSnapshotException e = assertThrows(InvalidSnapshotException.class, () -> StateFile.decode(file, bytes));
        assertEquals(8, e.offset());
        assertTrue(e.getMessage().contains("format version 2"), e.getMessage());
    }

    @Test
    void aSectionOfAnotherVersionIsRefused() {
        List<StateFile.Section> sections = contents(Optional.empty(), null).toSections().stream()
                .map(s -> s.name().equals("vm") ? new StateFile.Section("vm", 7, s.data()) : s)
                .toList();
        Path file = temp.resolve("state");
        StateFile.write(file, sections);
        InvalidSnapshotException e = assertThrows(
                InvalidSnapshotException.class, () -> SnapshotContents.fromSections(file, StateFile.read(file)));
        assertTrue(e.getMessage().contains("section 'vm' has version 7"), e.getMessage());
        assertTrue(e.offset() > 0);
    }

    @Test
    void mismatchedContentsAreRefused() {
        Path file = temp.resolve("state");
        // A vCPU missing for the configuration's count.
        List<StateFile.Section> noVcpu1 = contents(Optional.empty(), null).toSections().stream()
                .filter(s -> !s.name().equals("vcpu.1"))
                .toList();
        StateFile.write(file, noVcpu1);
        InvalidSnapshotException e = assertThrows(
                InvalidSnapshotException.class, () -> SnapshotContents.fromSections(file, StateFile.read(file)));
        assertTrue(e.getMessage().contains("no 'vcpu.1' section"), e.getMessage());
        // State for a device the VM does not have.
        List<StateFile.Section> stranger =
                new java.util.ArrayList<>(contents(Optional.empty(), null).toSections());
        stranger.add(new StateFile.Section("device.ghost", 1, new byte[1]));
        StateFile.write(file, stranger);
        e = assertThrows(
                InvalidSnapshotException.class, () -> SnapshotContents.fromSections(file, StateFile.read(file)));
        assertTrue(e.getMessage().contains("device 'ghost'"), e.getMessage());
        // A diff without its page list.
        SnapshotContents.Parent parent = new SnapshotContents.Parent(Path.of("/p"), 1);
        List<StateFile.Section> noPages = contents(Optional.of(parent), new long[1]).toSections().stream()
                .filter(s -> !s.name().equals("memory.pages"))
                .toList();
        StateFile.write(file, noPages);
        e = assertThrows(
                InvalidSnapshotException.class, () -> SnapshotContents.fromSections(file, StateFile.read(file)));
        assertTrue(e.getMessage().contains("without its page list"), e.getMessage());
    }

    @Test
    void theTrailerIsTheWholeFileCrc() throws Exception {
        Path file = write(contents(Optional.empty(), null));
        byte[] bytes = Files.readAllBytes(file);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        assertEquals(crc.getValue(), StateFile.trailerCrc(file));
    }

    @Test
    void aMissingFileIsOneClearError() {
        Path file = temp.resolve("nothing/state");
        InvalidSnapshotException e = assertThrows(InvalidSnapshotException.class, () -> StateFile.read(file));
        assertTrue(e.getMessage().contains(file + " at offset 0: no such file"), e.getMessage());
    }
}
