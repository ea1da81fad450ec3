package io.vmm4j.kvm;

import io.vmm4j.api.VirtioConsole;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.devices.virtio.VirtioDeviceModel;
import io.vmm4j.devices.virtio.VirtioMmioTransport;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.devices.virtio.console.ConsoleModel;
import io.vmm4j.devices.virtio.rng.RngModel;
import io.vmm4j.jni.NativeCore;
import io.vmm4j.jni.OutputSinkHandler;
import io.vmm4j.jni.OutputSinks;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The virtio devices of one KVM VM: for each, a native device (queues, ioeventfd, irqfd, I/O
 * thread) and a Java {@link VirtioMmioTransport} for its registers.
 */
final class KvmVirtioDevices {
    private static final Logger LOG = LogManager.getLogger(KvmVirtioDevices.class);
    static final int QUEUE_MAX_SIZE = 256;

    /** One attached device. */
    record Attached(VirtioMmioSlot slot, VirtioMmioTransport transport, KvmVirtioBackend backend) {}

    private final NativeHandle vm;
    private final String vmName;
    private final Map<String, Attached> byName = new ConcurrentHashMap<>();
    private final List<Integer> sinkKeys = new ArrayList<>();

    KvmVirtioDevices(NativeHandle vm, String vmName) {
        this.vm = vm;
        this.vmName = vmName;
    }

    /** Creates the native device and its transport; the caller puts the transport on the MMIO bus. */
    synchronized Attached attach(VirtioMmioSlot slot) {
        VirtioDeviceConfig config = slot.config();
        long notify = slot.base() + VirtioMmioTransport.QUEUE_NOTIFY;
        VirtioDeviceModel model;
        long device;
        if (config instanceof VirtioDeviceConfig.Block block) {
            device = vm.call(h -> NativeCore.vmm4j_virtio_add_block(
                    h,
                    notify,
                    slot.irq(),
                    block.path().toAbsolutePath().toString(),
                    block.readOnly() ? 1 : 0,
                    block.serial()));
            long capacity = vm.call(h -> NativeCore.vmm4j_virtio_block_capacity(device));
            model = new BlockModel(capacity, block.readOnly(), QUEUE_MAX_SIZE);
        } else if (config instanceof VirtioDeviceConfig.Rng) {
            device = vm.call(h -> NativeCore.vmm4j_virtio_add_rng(h, notify, slot.irq()));
            model = new RngModel(QUEUE_MAX_SIZE);
        } else if (config instanceof VirtioDeviceConfig.Console console) {
            int key = OutputSinks.register(new ConsoleOutput(vmName + "/" + config.name(), console.output()));
            sinkKeys.add(key);
            device = vm.call(h -> NativeCore.vmm4j_virtio_add_console(h, notify, slot.irq(), key));
            model = new ConsoleModel(QUEUE_MAX_SIZE);
        } else {
            throw new IllegalArgumentException("unsupported virtio device " + config);
        }
        KvmVirtioBackend backend = new KvmVirtioBackend(vm, device);
        VirtioMmioTransport transport = new VirtioMmioTransport(vmName + "/" + config.name(), model, backend);
        Attached attached = new Attached(slot, transport, backend);
        byName.put(config.name(), attached);
        return attached;
    }

    Attached get(String name) {
        Attached attached = byName.get(Objects.requireNonNull(name, "name"));
        if (attached == null) throw new IllegalArgumentException(vmName + " has no virtio device named '" + name + "'");
        return attached;
    }

    VirtioConsole console(String name) {
        Attached attached = get(name);
        if (!(attached.slot().config() instanceof VirtioDeviceConfig.Console)) {
            throw new IllegalArgumentException("virtio device '" + name + "' of " + vmName + " is not a console");
        }
        long device = attached.backend().device();
        return (bytes, offset, length) -> {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            return (int) vm.call(h -> NativeCore.vmm4j_virtio_console_input(device, bytes, offset, length));
        };
    }

    /** After the native VM is freed (its I/O thread joined): no more output upcalls can come. */
    synchronized void release() {
        sinkKeys.forEach(OutputSinks::unregister);
        sinkKeys.clear();
    }

    /** Receives a console's output on the VM's I/O thread and writes it to the user's stream. */
    private static final class ConsoleOutput implements OutputSinkHandler {
        private final String name;
        private final OutputStream output;
        private boolean failed;

        ConsoleOutput(String name, OutputStream output) {
            this.name = name;
            this.output = output;
        }

        @Override
        public synchronized int onOutput(byte[] bytes, int length) {
            try {
                output.write(bytes, 0, length);
                output.flush();
            } catch (IOException | RuntimeException e) {
                if (!failed) LOG.warn("{}: console output stream failed; output is dropped", name, e);
                failed = true;
            }
            return 0;
        }
    }
}
