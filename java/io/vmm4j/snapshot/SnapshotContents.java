package io.vmm4j.snapshot;

import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.InvalidSnapshotException;
import io.vmm4j.api.VmConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one state file holds, and its mapping to and from {@link StateFile} sections
 * (docs/SNAPSHOT-FORMAT.md). Sections written in Java are big-endian ({@link DataOutputStream});
 * the {@code vm} and {@code vcpu.N} sections are the native core's little-endian KVM records.
 *
 * @param parent for a diff, the parent snapshot's directory and its state file's CRC32C
 * @param memorySize guest RAM in bytes, the memory file's length
 * @param pages for a diff, the bitmap of pages its memory file holds (one bit per page, per region)
 */
public record SnapshotContents(
        Optional<Parent> parent,
        long createdEpochMillis,
        long memorySize,
        VmConfig config,
        List<DeviceRecord> devices,
        byte[] vmState,
        List<byte[]> vcpuStates,
        List<DeviceSnapshot> deviceStates,
        long[] pages) {
    /** The state file's name in a snapshot directory. */
    public static final String STATE_FILE = "state";
    /** The memory file's name in a snapshot directory. */
    public static final String MEMORY_FILE = "memory";
    /** Version of the native vm and vcpu sections (cpp/snapshot/kvm_state.h kVmStateVersion, kVcpuStateVersion). */
    public static final int NATIVE_STATE_VERSION = 1;

    static final int SNAPSHOT_VERSION = 1;
    static final int CONFIG_VERSION = 1;
    static final int DEVICES_VERSION = 2;

    /** A diff's parent: its directory and the CRC32C its state file ends with. */
    public record Parent(Path directory, long stateCrc) {}

    public boolean isDiff() {
        return parent.isPresent();
    }

    public List<StateFile.Section> toSections() {
        List<StateFile.Section> sections = new ArrayList<>();
        sections.add(new StateFile.Section("snapshot", SNAPSHOT_VERSION, encode(out -> {
            out.writeBoolean(parent.isPresent());
            out.writeUTF(parent.map(p -> p.directory().toString()).orElse(""));
            out.writeLong(parent.map(Parent::stateCrc).orElse(0L));
            out.writeLong(createdEpochMillis);
            out.writeLong(memorySize);
        })));
        sections.add(new StateFile.Section("config", CONFIG_VERSION, encode(out -> writeConfig(out, config))));
        sections.add(new StateFile.Section("devices", DEVICES_VERSION, encode(out -> {
            out.writeInt(devices.size());
            for (DeviceRecord device : devices) writeDevice(out, device);
        })));
        sections.add(new StateFile.Section("vm", NATIVE_STATE_VERSION, vmState));
        for (int i = 0; i < vcpuStates.size(); i++) {
            sections.add(new StateFile.Section("vcpu." + i, NATIVE_STATE_VERSION, vcpuStates.get(i)));
        }
        for (DeviceSnapshot device : deviceStates) {
            sections.add(new StateFile.Section("device." + device.deviceName(), device.version(), device.state()));
        }
        if (pages != null) {
            sections.add(new StateFile.Section("memory.pages", 1, encode(out -> {
                out.writeInt(pages.length);
                for (long word : pages) out.writeLong(word);
            })));
        }
        return sections;
    }

    /** The contents of {@code file}'s sections; anything missing, unknown or inconsistent is refused. */
    public static SnapshotContents fromSections(Path file, List<StateFile.Section> sections) {
        Map<String, StateFile.Section> byName = new LinkedHashMap<>();
        for (StateFile.Section section : sections) byName.put(section.name(), section);
        StateFile.Section meta = require(file, byName, "snapshot", SNAPSHOT_VERSION);
        Optional<Parent> parent;
        long created;
        long memorySize;
        try (DataInputStream in = input(meta)) {
            boolean diff = in.readBoolean();
            String parentDirectory = in.readUTF();
            long parentCrc = in.readLong();
            created = in.readLong();
            memorySize = in.readLong();
            parent = diff ? Optional.of(new Parent(Path.of(parentDirectory), parentCrc)) : Optional.empty();
            end(file, meta, in);
        } catch (IOException | RuntimeException e) {
            throw malformed(file, meta, e);
        }
        StateFile.Section configSection = require(file, byName, "config", CONFIG_VERSION);
        VmConfig config;
        try (DataInputStream in = input(configSection)) {
            config = readConfig(in);
            end(file, configSection, in);
        } catch (IOException | RuntimeException e) {
            throw malformed(file, configSection, e);
        }
        if (config.memorySize() != memorySize) {
            throw new InvalidSnapshotException(
                    file,
                    configSection.offset(),
                    "the configuration's memory size " + config.memorySize() + " does not match the snapshot's "
                            + memorySize);
        }
        StateFile.Section devicesSection = require(file, byName, "devices", DEVICES_VERSION);
        List<DeviceRecord> devices = new ArrayList<>();
        try (DataInputStream in = input(devicesSection)) {
            int count = in.readInt();
            if (count < 0) throw new IOException("negative device count");
            for (int i = 0; i < count; i++) devices.add(readDevice(in));
            end(file, devicesSection, in);
        } catch (IOException | RuntimeException e) {
            throw malformed(file, devicesSection, e);
        }
        byte[] vm = require(file, byName, "vm", NATIVE_STATE_VERSION).data();
        List<byte[]> vcpus = new ArrayList<>();
        for (int i = 0; i < config.vcpuCount(); i++) {
            vcpus.add(require(file, byName, "vcpu." + i, NATIVE_STATE_VERSION).data());
        }
        Map<String, DeviceRecord> deviceNames = new HashMap<>();
        for (DeviceRecord device : devices) deviceNames.put(device.name(), device);
        List<DeviceSnapshot> deviceStates = new ArrayList<>();
        long[] pages = null;
        for (StateFile.Section section : sections) {
            String name = section.name();
            if (name.startsWith("device.")) {
                String device = name.substring("device.".length());
                if (!deviceNames.containsKey(device)) {
                    throw new InvalidSnapshotException(
                            file, section.offset(), "state for device '" + device + "', which the VM does not have");
                }
                deviceStates.add(new DeviceSnapshot(device, section.version(), section.data()));
            } else if (name.equals("memory.pages")) {
                pages = readPages(file, section);
            } else if (!List.of("snapshot", "config", "devices", "vm").contains(name) && !isVcpu(name, config)) {
                throw new InvalidSnapshotException(file, section.offset(), "unknown section '" + name + "'");
            }
        }
        if (parent.isPresent() != (pages != null)) {
            throw new InvalidSnapshotException(
                    file,
                    meta.offset(),
                    parent.isPresent() ? "a diff snapshot without its page list" : "a page list in a full snapshot");
        }
        return new SnapshotContents(parent, created, memorySize, config, devices, vm, vcpus, deviceStates, pages);
    }

    private static boolean isVcpu(String name, VmConfig config) {
        for (int i = 0; i < config.vcpuCount(); i++) {
            if (name.equals("vcpu." + i)) return true;
        }
        return false;
    }

    private static long[] readPages(Path file, StateFile.Section section) {
        try (DataInputStream in = input(section)) {
            int count = in.readInt();
            if (count < 0 || count > section.data().length / 8) throw new IOException("bad word count " + count);
            long[] pages = new long[count];
            for (int i = 0; i < count; i++) pages[i] = in.readLong();
            end(file, section, in);
            return pages;
        } catch (IOException | RuntimeException e) {
            throw malformed(file, section, e);
        }
    }

    private static StateFile.Section require(
            Path file, Map<String, StateFile.Section> byName, String name, int version) {
        StateFile.Section section = byName.get(name);
        if (section == null) throw new InvalidSnapshotException(file, 0, "no '" + name + "' section");
        if (section.version() != version) {
            throw new InvalidSnapshotException(
                    file,
                    section.offset(),
                    "section '" + name + "' has version " + section.version() + ", this vmm4j reads " + version);
        }
        return section;
    }

    private static void end(Path file, StateFile.Section section, DataInputStream in) throws IOException {
        if (in.available() != 0) {
            throw new InvalidSnapshotException(
                    file, section.offset(), "section '" + section.name() + "' has " + in.available() + " extra bytes");
        }
    }

    private static InvalidSnapshotException malformed(Path file, StateFile.Section section, Exception e) {
        if (e instanceof InvalidSnapshotException invalid) return invalid;
        return new InvalidSnapshotException(
                file, section.offset(), "section '" + section.name() + "' is malformed: " + e);
    }

    private static DataInputStream input(StateFile.Section section) {
        return new DataInputStream(new ByteArrayInputStream(section.data()));
    }

    private interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] encode(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            body.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeConfig(DataOutputStream out, VmConfig config) throws IOException {
        out.writeInt(config.vcpuCount());
        out.writeLong(config.memorySize());
        out.writeBoolean(config.irqchip());
        out.writeInt(config.cpuFeatures().size());
        for (Map.Entry<String, Boolean> feature : config.cpuFeatures().entrySet()) {
            out.writeUTF(feature.getKey());
            out.writeBoolean(feature.getValue());
        }
        out.writeInt(config.ioThreadCpus().size());
        for (int cpu : config.ioThreadCpus()) out.writeInt(cpu);
        out.writeUTF(config.pit().name());
        out.writeUTF(config.cpuModel());
    }

    private static VmConfig readConfig(DataInputStream in) throws IOException {
        VmConfig.Builder builder = VmConfig.builder()
                .vcpuCount(in.readInt())
                .memorySize(in.readLong())
                .irqchip(in.readBoolean());
        int features = in.readInt();
        if (features < 0) throw new IOException("negative feature count");
        for (int i = 0; i < features; i++) builder.cpuFeature(in.readUTF(), in.readBoolean());
        int cpus = in.readInt();
        if (cpus < 0 || cpus > 4096) throw new IOException("bad CPU count " + cpus);
        int[] ioCpus = new int[cpus];
        for (int i = 0; i < cpus; i++) ioCpus[i] = in.readInt();
        return builder.ioThreadCpus(ioCpus)
                .pit(VmConfig.Pit.valueOf(in.readUTF()))
                .cpuModel(in.readUTF())
                .build();
    }

    private static final int JAVA_IO = 1;
    private static final int NULL = 2;
    private static final int SERIAL = 3;
    private static final int VIRTIO = 4;
    private static final int GENERATION_ID = 5;
    // A virtio configuration is a few names and a path; this bounds what a hostile file can make us allocate.
    private static final int MAX_VIRTIO_CONFIG = 64 * 1024;

    private static void writeDevice(DataOutputStream out, DeviceRecord device) throws IOException {
        if (device instanceof DeviceRecord.JavaIo io) {
            out.writeByte(JAVA_IO);
            out.writeUTF(io.name());
            out.writeUTF(io.kind());
            out.writeBoolean(io.mmio());
            out.writeLong(io.base());
            out.writeLong(io.length());
        } else if (device instanceof DeviceRecord.Null n) {
            out.writeByte(NULL);
            out.writeUTF(n.name());
            out.writeBoolean(n.mmio());
            out.writeLong(n.base());
            out.writeLong(n.length());
        } else if (device instanceof DeviceRecord.Serial serial) {
            out.writeByte(SERIAL);
            out.writeUTF(serial.name());
            out.writeInt(serial.basePort());
            out.writeInt(serial.irq());
        } else if (device instanceof DeviceRecord.Virtio virtio) {
            out.writeByte(VIRTIO);
            out.writeUTF(virtio.name());
            out.writeInt(virtio.deviceId());
            out.writeInt(virtio.config().length);
            out.write(virtio.config());
        } else if (device instanceof DeviceRecord.GenerationId id) {
            out.writeByte(GENERATION_ID);
            out.writeUTF(id.name());
            out.writeLong(id.address());
            out.writeInt(id.gsi());
        } else {
            throw new IllegalArgumentException("unknown device record " + device);
        }
    }

    private static DeviceRecord readDevice(DataInputStream in) throws IOException {
        int kind = in.readUnsignedByte();
        return switch (kind) {
            case JAVA_IO ->
                new DeviceRecord.JavaIo(in.readUTF(), in.readUTF(), in.readBoolean(), in.readLong(), in.readLong());
            case NULL -> new DeviceRecord.Null(in.readUTF(), in.readBoolean(), in.readLong(), in.readLong());
            case SERIAL -> new DeviceRecord.Serial(in.readUTF(), in.readInt(), in.readInt());
            case VIRTIO -> {
                String name = in.readUTF();
                int deviceId = in.readInt();
                int length = in.readInt();
                if (length < 0 || length > MAX_VIRTIO_CONFIG || length > in.available()) {
                    throw new IOException("virtio device '" + name + "' has a configuration of " + length
                            + " bytes (at most " + Math.min(MAX_VIRTIO_CONFIG, in.available()) + " remain)");
                }
                yield new DeviceRecord.Virtio(name, deviceId, in.readNBytes(length));
            }
            case GENERATION_ID -> new DeviceRecord.GenerationId(in.readUTF(), in.readLong(), in.readInt());
            default -> throw new IOException("unknown device kind " + kind);
        };
    }
}
