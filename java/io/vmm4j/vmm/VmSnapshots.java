package io.vmm4j.vmm;

import io.vmm4j.api.AddressConflictException;
import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.InvalidSnapshotException;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.RestoreOptions;
import io.vmm4j.devices.kinds.IoDeviceKinds;
import io.vmm4j.devices.virtio.kinds.VirtioDeviceKinds;
import io.vmm4j.snapshot.DeviceRecord;
import io.vmm4j.snapshot.SnapshotContents;
import io.vmm4j.snapshot.StateFile;
import io.vmm4j.vmm.backend.HypervisorBackend;
import io.vmm4j.vmm.backend.VmBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Snapshot and restore of a {@link Vm}: the state file (through {@link SnapshotContents}) and the memory
 * file (written and mapped copy-on-write by the backend). The backend's vCPU and VM state are opaque
 * sections.
 */
final class VmSnapshots {
    private static final int MAX_CHAIN = 64;

    private VmSnapshots() {}

    /** What one snapshot wrote: its sizes, and the reference a diff after it names as its parent. */
    record Written(long memoryBytes, long stateBytes, SnapshotContents.Parent self) {}

    /** Writes the snapshot of a paused (or never started) VM; a diff when {@code parent} is not null. */
    static Written write(Vm vm, Path directory, SnapshotContents.Parent parent) {
        Path absolute = directory.toAbsolutePath().normalize();
        if (parent != null && parent.directory().equals(absolute)) {
            throw new IllegalArgumentException(
                    "a diff snapshot needs a directory of its own, not its parent's " + absolute);
        }
        try {
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new UncheckedIOException("creating snapshot directory " + absolute, e);
        }
        VmBackend backend = vm.backend();
        // CPU and VM state first: reading it may settle pending LAPIC events, never guest memory.
        List<byte[]> vcpuStates = new ArrayList<>();
        for (int id = 0; id < vm.vcpuCount(); id++) vcpuStates.add(vm.vcpu(id).saveState());
        byte[] vmState = backend.saveState();
        List<DeviceSnapshot> deviceStates = vm.snapshotDevices();
        long[] pages = parent == null ? null : new long[backend.memoryBitmapWords()];
        long memoryBytes = backend.saveMemory(absolute.resolve(SnapshotContents.MEMORY_FILE), pages);
        SnapshotContents contents = new SnapshotContents(
                Optional.ofNullable(parent),
                System.currentTimeMillis(),
                vm.config().memorySize(),
                vm.config(),
                vm.deviceRecords(),
                vmState,
                vcpuStates,
                deviceStates,
                pages);
        Path stateFile = absolute.resolve(SnapshotContents.STATE_FILE);
        long stateBytes = StateFile.write(stateFile, contents.toSections());
        return new Written(
                memoryBytes, stateBytes, new SnapshotContents.Parent(absolute, StateFile.trailerCrc(stateFile)));
    }

    /** One snapshot directory, read and checked. */
    record Layer(
            Path directory, Path stateFile, Path memoryFile, SnapshotContents contents, Map<String, Long> offsets) {
        /** Where section {@code name} starts in the state file, for errors; 0 when it has none. */
        long offsetOf(String name) {
            return offsets.getOrDefault(name, 0L);
        }

        /** A refusal of what section {@code name} holds, naming the state file and the section's offset. */
        InvalidSnapshotException refuse(String name, RuntimeException cause) {
            InvalidSnapshotException refusal = new InvalidSnapshotException(
                    stateFile, offsetOf(name), "section " + name + ": " + cause.getMessage());
            refusal.initCause(cause);
            return refusal;
        }
    }

    /** A snapshot and its parents, base first, each read and checked against the next. */
    record Chain(List<Layer> layers) {
        Layer top() {
            return layers.get(layers.size() - 1);
        }

        static Chain load(Path directory) {
            Deque<Layer> layers = new ArrayDeque<>();
            Path current = directory.toAbsolutePath().normalize();
            Layer child = null;
            while (true) {
                Layer layer = readLayer(current);
                if (child != null) checkParent(child, layer);
                layers.addFirst(layer);
                if (layers.size() > MAX_CHAIN) {
                    throw new InvalidSnapshotException(
                            layer.stateFile(), 0, "a chain of more than " + MAX_CHAIN + " snapshots (a loop?)");
                }
                Optional<SnapshotContents.Parent> parent = layer.contents().parent();
                if (parent.isEmpty()) break;
                child = layer;
                current = parent.get().directory();
            }
            return new Chain(List.copyOf(layers));
        }
    }

    private static Layer readLayer(Path directory) {
        Path stateFile = directory.resolve(SnapshotContents.STATE_FILE);
        List<StateFile.Section> sections = StateFile.read(stateFile);
        SnapshotContents contents = SnapshotContents.fromSections(stateFile, sections);
        Map<String, Long> offsets = new HashMap<>();
        for (StateFile.Section section : sections) offsets.put(section.name(), section.offset());
        Path memoryFile = directory.resolve(SnapshotContents.MEMORY_FILE);
        long size;
        try {
            size = Files.size(memoryFile);
        } catch (NoSuchFileException e) {
            throw new InvalidSnapshotException(memoryFile, 0, "no such file (the memory file of " + stateFile + ")");
        } catch (IOException e) {
            throw new InvalidSnapshotException(memoryFile, 0, "cannot be read: " + e.getMessage());
        }
        if (size != contents.memorySize()) {
            throw new InvalidSnapshotException(
                    memoryFile,
                    Math.min(size, contents.memorySize()),
                    "is " + size + " bytes, the state file " + stateFile + " says guest memory is "
                            + contents.memorySize() + " (truncated, or another snapshot's)");
        }
        return new Layer(directory, stateFile, memoryFile, contents, Map.copyOf(offsets));
    }

    private static void checkParent(Layer child, Layer parent) {
        SnapshotContents.Parent reference = child.contents().parent().orElseThrow();
        long crc = StateFile.trailerCrc(parent.stateFile());
        if (crc != reference.stateCrc()) {
            throw new InvalidSnapshotException(
                    parent.stateFile(),
                    0,
                    "is not the parent " + child.stateFile()
                            + " was taken after (its CRC32C differs): it was replaced");
        }
        if (!parent.contents().config().equals(child.contents().config())) {
            throw new InvalidSnapshotException(
                    child.stateFile(), 0, "its configuration differs from its parent's in " + parent.stateFile());
        }
    }

    /** Builds a VM from a chain; on any failure, everything built so far is closed. */
    static Vm restore(HypervisorBackend hypervisor, Chain chain, RestoreOptions options) {
        Layer top = chain.top();
        SnapshotContents contents = top.contents();
        Vm vm;
        try {
            vm = new Vm(hypervisor, contents.config(), chain.layers().get(0).memoryFile());
        } catch (IllegalArgumentException e) {
            throw top.refuse("config", e); // a configuration this host cannot run
        }
        try {
            VmBackend backend = vm.backend();
            for (Layer diff : chain.layers().subList(1, chain.layers().size())) {
                long[] pages = diff.contents().pages();
                long words = backend.memoryBitmapWords();
                if (pages.length != words) {
                    throw new InvalidSnapshotException(
                            diff.stateFile(),
                            diff.offsetOf("memory.pages"),
                            "its page list has " + pages.length + " words, guest memory needs " + words);
                }
                backend.overlayMemory(diff.memoryFile(), pages);
            }
            // What the devices section names must fit this host and the caller's options: one error type for all.
            try {
                for (DeviceRecord device : contents.devices()) addDevice(vm, device, options);
            } catch (IllegalArgumentException | AddressConflictException e) {
                throw top.refuse("devices", e);
            }
            for (int id = 0; id < contents.config().vcpuCount(); id++) vm.createVcpu(id);
            try {
                backend.restoreState(contents.vmState(), options.advanceClock());
            } catch (IllegalArgumentException e) {
                throw top.refuse("vm", e);
            }
            for (int id = 0; id < contents.config().vcpuCount(); id++) {
                try {
                    vm.vcpu(id).restoreState(contents.vcpuStates().get(id));
                } catch (IllegalArgumentException e) {
                    throw top.refuse("vcpu." + id, e);
                }
            }
            for (DeviceSnapshot device : contents.deviceStates()) {
                try {
                    vm.restoreDevices(List.of(device));
                } catch (IllegalArgumentException e) {
                    throw top.refuse("device." + device.deviceName(), e);
                }
            }
            vm.regenerateGenerationIds(); // after the irqchip's state, so the notification is not overwritten
            for (int id = 0; id < contents.config().vcpuCount(); id++)
                vm.vcpu(id).notifyResumedFromSnapshot();
            return vm;
        } catch (RuntimeException | Error e) {
            vm.close();
            throw e;
        }
    }

    private static void addDevice(Vm vm, DeviceRecord device, RestoreOptions options) {
        if (device instanceof DeviceRecord.JavaIo io) {
            vm.addIoDevice(
                    io.name(),
                    io.mmio() ? AddressSpace.MMIO : AddressSpace.PIO,
                    io.base(),
                    io.length(),
                    javaDevice(vm, io, options));
        } else if (device instanceof DeviceRecord.Null n) {
            vm.addNullDevice(n.name(), n.mmio() ? AddressSpace.MMIO : AddressSpace.PIO, n.base(), n.length());
        } else if (device instanceof DeviceRecord.Serial serial) {
            vm.addSerialPort(serial.name(), serial.basePort(), serial.irq(), output(serial.name(), options));
        } else if (device instanceof DeviceRecord.Virtio virtio) {
            vm.addVirtioDevice(
                    VirtioDeviceKinds.restoreConfig(virtio.name(), virtio.deviceId(), virtio.config(), options));
        } else if (device instanceof DeviceRecord.GenerationId id) {
            vm.addGenerationId(id.name(), id.address(), id.gsi());
        }
    }

    /** The caller's object for the device, else a new one of vmm4j's own kind. */
    private static IoDevice javaDevice(Vm vm, DeviceRecord.JavaIo io, RestoreOptions options) {
        IoDevice supplied = options.ioDevices().get(io.name());
        if (supplied != null) return supplied;
        if (io.kind().isEmpty()) {
            throw new IllegalArgumentException("the snapshot has the caller's Java device '" + io.name()
                    + "': pass the object to restore it into with RestoreOptions.ioDevice");
        }
        return IoDeviceKinds.byName(io.kind())
                .orElseThrow(() -> new IllegalArgumentException("Java device '" + io.name() + "' is of kind '"
                        + io.kind() + "', which this vmm4j does not know"))
                .build()
                .apply(vm);
    }

    private static OutputStream output(String deviceName, RestoreOptions options) {
        return options.outputs().getOrDefault(deviceName, OutputStream.nullOutputStream());
    }
}
