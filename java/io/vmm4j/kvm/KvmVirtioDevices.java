package io.vmm4j.kvm;

import io.vmm4j.api.VirtioConsole;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.devices.virtio.NativeDeviceSpec;
import io.vmm4j.devices.virtio.VirtioDeviceModel;
import io.vmm4j.devices.virtio.VirtioMmioTransport;
import io.vmm4j.devices.virtio.kinds.VirtioDeviceKinds;
import io.vmm4j.jni.NativeCore;
import io.vmm4j.jni.OutputSinkHandler;
import io.vmm4j.jni.OutputSinks;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
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
    /** Room for what a native device reports when it is built. */
    private static final int MAX_NATIVE_RESULTS = 4;

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
        VirtioDeviceKinds.Bound<?> kind = VirtioDeviceKinds.forConfig(config);
        NativeDeviceSpec spec = kind.nativeSpec();
        int outputKey = -1;
        if (spec.output().isPresent()) {
            outputKey = OutputSinks.register(
                    new DeviceOutput(vmName + "/" + config.name(), spec.output().get()));
            sinkKeys.add(outputKey);
        }
        long notify = slot.base() + VirtioMmioTransport.QUEUE_NOTIFY;
        long[] numbers = spec.numbers();
        long[] results = new long[MAX_NATIVE_RESULTS];
        int sinkKey = outputKey;
        long device = vm.call(h -> NativeCore.vmm4j_virtio_add(
                h,
                spec.nativeKind(),
                notify,
                slot.irq(),
                QUEUE_MAX_SIZE,
                spec.path(),
                spec.label(),
                numbers,
                numbers.length,
                sinkKey,
                results,
                results.length));
        VirtioDeviceModel model = kind.model(QUEUE_MAX_SIZE, reported(results));
        KvmVirtioBackend backend = new KvmVirtioBackend(vm, device);
        VirtioMmioTransport transport = new VirtioMmioTransport(vmName + "/" + config.name(), model, backend);
        Attached attached = new Attached(slot, transport, backend);
        byName.put(config.name(), attached);
        return attached;
    }

    /** What the native device reported: a count, then that many values. */
    private static long[] reported(long[] results) {
        int count = (int) Math.min(Math.max(results[0], 0), results.length - 1);
        return Arrays.copyOfRange(results, 1, 1 + count);
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

    /** Receives a device's output (a console's) on the VM's I/O thread and writes it to the user's stream. */
    private static final class DeviceOutput implements OutputSinkHandler {
        private final String name;
        private final OutputStream output;
        private boolean failed;

        DeviceOutput(String name, OutputStream output) {
            this.name = name;
            this.output = output;
        }

        @Override
        public synchronized int onOutput(byte[] bytes, int length) {
            try {
                output.write(bytes, 0, length);
                output.flush();
            } catch (IOException | RuntimeException e) {
                if (!failed) LOG.warn("{}: output stream failed; output is dropped", name, e);
                failed = true;
            }
            return 0;
        }
    }
}
