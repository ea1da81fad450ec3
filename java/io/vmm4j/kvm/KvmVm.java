package io.vmm4j.kvm;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.VirtioConsole;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.api.VmConfig;
import io.vmm4j.devices.virtio.VirtioMmioTransport;
import io.vmm4j.jni.NativeContract;
import io.vmm4j.jni.NativeCore;
import io.vmm4j.jni.OutputSinkHandler;
import io.vmm4j.jni.OutputSinks;
import io.vmm4j.jni.UpcallKeys;
import io.vmm4j.vmm.backend.MemoryRegion;
import io.vmm4j.vmm.backend.SerialInput;
import io.vmm4j.vmm.backend.VcpuBackend;
import io.vmm4j.vmm.backend.VcpuHost;
import io.vmm4j.vmm.backend.VmBackend;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/** A KVM VM: its fd, RAM, in-kernel irqchip, buses and vCPUs, held by the native core. */
final class KvmVm implements VmBackend {
    private static final Logger LOG = LogManager.getLogger(KvmVm.class);

    private final String name;
    private final NativeHandle handle;
    private final KvmGuestMemory memory;
    private final KvmVirtioDevices virtio;
    private final List<Integer> vcpuKeys = new ArrayList<>();
    private final List<Integer> sinkKeys = new ArrayList<>();

    /** Takes ownership of {@code nativeVm}: frees it if the set-up fails. */
    KvmVm(String name, long nativeVm, VmConfig config, List<MemoryRegion> ram) {
        this.name = name;
        this.handle = new NativeHandle(nativeVm, name);
        this.virtio = new KvmVirtioDevices(handle, name);
        try {
            if (config.irqchip()) createIrqchip(config.pit());
            if (!config.ioThreadCpus().isEmpty()) {
                int[] cpus = config.ioThreadCpus().stream()
                        .mapToInt(Integer::intValue)
                        .toArray();
                handle.call(vm -> NativeCore.vmm4j_vm_set_io_thread_cpus(vm, cpus, cpus.length));
            }
            for (MemoryRegion region : ram) {
                handle.call(vm -> NativeCore.vmm4j_vm_add_memory(vm, region.guestAddress(), region.size()));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.memory = new KvmGuestMemory(handle, config.memorySize());
    }

    private void createIrqchip(VmConfig.Pit pit) {
        handle.call(vm -> NativeCore.vmm4j_vm_create_irqchip(vm, pit == VmConfig.Pit.NONE ? 0 : 1));
        // KVM reinjects by default; only a change needs the ioctl.
        if (pit == VmConfig.Pit.DISCARD) handle.call(vm -> NativeCore.vmm4j_vm_set_pit_reinject(vm, 0));
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public synchronized VcpuBackend createVcpu(int id, VcpuHost host) {
        // The upcall goes straight to the KvmVcpu; its key must exist before the native vCPU does.
        int key = UpcallKeys.reserve();
        vcpuKeys.add(key);
        long nativeVcpu = handle.call(vm -> NativeCore.vmm4j_vcpu_create(vm, id, key));
        KvmVcpu vcpu = new KvmVcpu(host, handle, memory, id, key, nativeVcpu);
        UpcallKeys.bind(key, vcpu);
        return vcpu;
    }

    @Override
    public void addDevice(AddressSpace space, long base, long length, int key) {
        handle.call(vm -> NativeCore.vmm4j_vm_add_java_device(vm, spaceNumber(space), base, length, key));
    }

    @Override
    public void addNullDevice(AddressSpace space, long base, long length) {
        handle.call(vm -> NativeCore.vmm4j_vm_add_null_device(vm, spaceNumber(space), base, length));
    }

    @Override
    public synchronized SerialInput addSerialPort(int basePort, int irq, int deviceKey, OutputStream output) {
        int sinkKey =
                OutputSinks.register(new SerialOutput(name + "/serial@0x" + Integer.toHexString(basePort), output));
        sinkKeys.add(sinkKey);
        long serial = handle.call(
                vm -> NativeCore.vmm4j_vm_add_serial(vm, NativeContract.SPACE_PIO, basePort, irq, deviceKey, sinkKey));
        return bytes -> handle.call(vm -> NativeCore.vmm4j_serial_enqueue_input(serial, bytes, bytes.length));
    }

    /** A UART's batches of output, on the vCPU thread that flushes them, to the user's stream. */
    private record SerialOutput(String name, OutputStream output) implements OutputSinkHandler {
        @Override
        public int onOutput(byte[] bytes, int length) {
            try {
                synchronized (output) {
                    output.write(bytes, 0, length);
                    output.flush();
                }
                return 0;
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: the output stream failed; the VM stops", name, e);
                return 1; // the vCPU reports a failure of the port's device
            }
        }
    }

    private static int spaceNumber(AddressSpace space) {
        return space == AddressSpace.PIO ? NativeContract.SPACE_PIO : NativeContract.SPACE_MMIO;
    }

    @Override
    public VirtioMmioTransport addVirtioDevice(VirtioMmioSlot slot) {
        return virtio.attach(slot).transport();
    }

    @Override
    public VirtioConsole virtioConsole(String consoleName) {
        return virtio.console(consoleName);
    }

    KvmVirtioDevices virtio() {
        return virtio;
    }

    @Override
    public void setIrqLevel(int gsi, boolean asserted) {
        handle.call(vm -> NativeCore.vmm4j_vm_set_irq_line(vm, gsi, asserted ? 1 : 0));
    }

    @Override
    public void requestStop() {
        handle.call(NativeCore::vmm4j_vm_request_stop);
    }

    @Override
    public boolean pause(long timeoutMillis) {
        return handle.call(vm -> NativeCore.vmm4j_vm_pause(vm, timeoutMillis)) != 0;
    }

    @Override
    public void resume() {
        handle.call(NativeCore::vmm4j_vm_resume);
    }

    @Override
    public boolean isManagedExecution() {
        return false;
    }

    @Override
    public boolean isClosed() {
        return handle.isFreed();
    }

    @Override
    public void close() {
        // Waits for any manual run() still inside the native handle; the VM core has stopped it.
        handle.free(NativeCore::vmm4j_vm_close);
        // Keys are reused, so they are released only now that no native code can report them.
        synchronized (this) {
            vcpuKeys.forEach(UpcallKeys::unregister);
            vcpuKeys.clear();
            sinkKeys.forEach(OutputSinks::unregister);
            sinkKeys.clear();
        }
        virtio.release();
    }

    @Override
    public String toString() {
        return name;
    }
}
