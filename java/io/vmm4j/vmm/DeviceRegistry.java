package io.vmm4j.vmm;

import io.vmm4j.api.GenerationId;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.devices.virtio.VirtioMmioTransport;
import io.vmm4j.vmm.backend.DeviceEndpoint;
import io.vmm4j.vmm.backend.SerialInput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The devices of one VM, by name and, for those the hypervisor calls back, by key. A device is
 * registered only once the backend has accepted it, so a failed add leaves nothing behind. Additions
 * happen while the VM is being built, under the VM's lock; lookups by key come from vCPU threads.
 */
final class DeviceRegistry {
    /** A registered device, by kind. */
    sealed interface Device {
        String name();
    }

    record JavaDevice(String name, IoDevice device) implements Device {}

    /** A backend's serial port; its state is saved when {@code input} is a {@link StatefulDevice}. */
    record SerialDevice(String name, int basePort, int irq, SerialInput input) implements Device, SerialPort {
        @Override
        public void sendInput(byte[] bytes) {
            input.send(bytes);
        }
    }

    record NullDevice(String name) implements Device {}

    record VirtioDevice(String name, VirtioMmioSlot slot, VirtioMmioTransport transport) implements Device {}

    record GenerationIdDevice(String name, GenerationId id) implements Device {}

    private final Map<String, Device> byName = new LinkedHashMap<>();
    // Indexed by key; copy-on-write because vCPU threads read it without the VM's lock.
    private final List<DeviceEndpoint> endpoints = new CopyOnWriteArrayList<>();

    /** @throws IllegalArgumentException when a device of that name exists */
    void requireFreeName(String name) {
        Objects.requireNonNull(name, "name");
        if (byName.containsKey(name))
            throw new IllegalArgumentException("a device named '" + name + "' already exists");
    }

    /** The key the next device with an endpoint will get. */
    int nextKey() {
        return endpoints.size();
    }

    /** Registers a device the hypervisor calls through {@code endpoint}, under {@link #nextKey()}. */
    void add(Device device, DeviceEndpoint endpoint) {
        add(device);
        endpoints.add(endpoint);
    }

    /** Registers a device the hypervisor serves without calling back. */
    void add(Device device) {
        requireFreeName(device.name());
        byName.put(device.name(), device);
    }

    DeviceEndpoint endpoint(int key) {
        return endpoints.get(key);
    }

    /** The key of the endpoint named {@code name}; -1 if none. */
    int keyOf(String name) {
        for (int key = 0; key < endpoints.size(); key++) {
            if (endpoints.get(key).name().equals(name)) return key;
        }
        return -1;
    }

    Optional<Device> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    List<VirtioMmioSlot> virtioSlots() {
        List<VirtioMmioSlot> slots = new ArrayList<>();
        for (Device device : byName.values()) {
            if (device instanceof VirtioDevice virtio) slots.add(virtio.slot());
        }
        return slots;
    }

    List<GenerationId> generationIds() {
        List<GenerationId> ids = new ArrayList<>();
        for (Device device : byName.values()) {
            if (device instanceof GenerationIdDevice generation) ids.add(generation.id());
        }
        return ids;
    }

    /** Every device whose state can be saved, by name, in registration order. */
    Map<String, StatefulDevice> stateful() {
        Map<String, StatefulDevice> stateful = new LinkedHashMap<>();
        byName.forEach((name, device) -> {
            Object model = null;
            if (device instanceof JavaDevice java) model = java.device();
            if (device instanceof VirtioDevice virtio) model = virtio.transport();
            if (device instanceof SerialDevice serial) model = serial.input();
            if (model instanceof StatefulDevice state) stateful.put(name, state);
        });
        return stateful;
    }
}
