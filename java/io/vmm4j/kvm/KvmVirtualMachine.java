package io.vmm4j.kvm;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtioConsole;
import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.VmState;
import io.vmm4j.api.VmmException;
import io.vmm4j.arch.x86.CpuFeature;
import io.vmm4j.arch.x86.CpuModel;
import io.vmm4j.arch.x86.CpuidEntry;
import io.vmm4j.arch.x86.CpuidFilter;
import io.vmm4j.arch.x86.IsaPorts;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.XsaveLeaf;
import io.vmm4j.jni.NativeCore;
import io.vmm4j.jni.NativeExitKind;
import io.vmm4j.jni.UpcallKeys;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A KVM VM. Lifecycle state lives here, in Java; the native core only knows "running", "pause
 * requested" and "stop requested".
 */
final class KvmVirtualMachine implements VirtualMachine {
    private static final Logger LOG = LogManager.getLogger(KvmVirtualMachine.class);
    private static final AtomicInteger VM_NUMBERS = new AtomicInteger();
    private static final long PAUSE_TIMEOUT_MILLIS = 5_000;
    private static final long STOP_TIMEOUT_MILLIS = 10_000;
    // Bounds the memory a guest can make us spend on remembering which addresses it probed.
    private static final int MAX_LOGGED_UNCLAIMED = 1024;

    private final KvmHypervisor hypervisor;
    private final VmConfig config;
    private final String name;
    private final NativeHandle handle;
    private final KvmGuestMemory memory;
    private final CpuModel cpuModel;
    private final Map<CpuFeature, Boolean> cpuFeatures;
    private final KvmVcpu[] vcpus;
    private final int[] vcpuKeys;
    private final List<DeviceEndpoint> devices = new CopyOnWriteArrayList<>();
    private final Map<String, Object> devicesByName = new LinkedHashMap<>();
    private final List<VirtioMmioSlot> virtioSlots = new ArrayList<>();
    private final KvmVirtioDevices virtio;
    private final Set<String> loggedUnclaimed = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Throwable> deviceFailures = new ConcurrentHashMap<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    // Guarded by this.
    private VmState state = VmState.CREATED;
    private boolean managed;
    private boolean closed;
    private StopReason stopReason;
    private final List<Thread> vcpuThreads = new ArrayList<>();
    private int liveVcpuThreads;

    KvmVirtualMachine(KvmHypervisor hypervisor, long nativeVm, VmConfig config) {
        this.hypervisor = hypervisor;
        this.config = config;
        this.name = "vm" + VM_NUMBERS.incrementAndGet();
        this.handle = new NativeHandle(nativeVm, name);
        this.virtio = new KvmVirtioDevices(handle, name);
        this.vcpus = new KvmVcpu[config.vcpuCount()];
        this.vcpuKeys = new int[config.vcpuCount()];
        Arrays.fill(vcpuKeys, -1);
        try {
            this.cpuModel = CpuModel.byName(config.cpuModel());
            this.cpuFeatures = CpuidFilter.featuresByName(config.cpuFeatures());
            if (config.irqchip()) createIrqchip(config.pit());
            if (!config.ioThreadCpus().isEmpty()) {
                int[] cpus = config.ioThreadCpus().stream()
                        .mapToInt(Integer::intValue)
                        .toArray();
                handle.call(vm -> NativeCore.vmm4j_vm_set_io_thread_cpus(vm, cpus, cpus.length));
            }
            // One slot per region: RAM splits around the MMIO gap for large guests.
            for (MemoryLayout.RamRegion region : MemoryLayout.ramRegions(config.memorySize())) {
                handle.call(vm -> NativeCore.vmm4j_vm_add_memory(vm, region.start(), region.size()));
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
    public VmConfig config() {
        return config;
    }

    @Override
    public GuestMemory memory() {
        return memory;
    }

    @Override
    public int vcpuCount() {
        return config.vcpuCount();
    }

    @Override
    public synchronized Vcpu createVcpu(int id) {
        requireState("create a vCPU", VmState.CREATED);
        if (id < 0 || id >= vcpus.length) {
            throw new IllegalArgumentException("vCPU id " + id + " is out of range: this VM has " + vcpus.length
                    + " vCPUs (ids 0 to " + (vcpus.length - 1) + ")");
        }
        if (vcpus[id] != null) throw new IllegalArgumentException("vCPU " + id + " already exists");
        // The upcall goes straight to the KvmVcpu; its key must exist before the native vCPU does.
        int key = UpcallKeys.reserve();
        vcpuKeys[id] = key;
        long nativeVcpu = handle.call(vm -> NativeCore.vmm4j_vcpu_create(vm, id, key));
        KvmVcpu vcpu = new KvmVcpu(this, handle, id, nativeVcpu);
        UpcallKeys.bind(key, vcpu);
        List<CpuidEntry> cpuid =
                CpuidFilter.forVcpu(cpuModel.apply(hypervisor.supportedCpuid()), id, vcpus.length, cpuFeatures);
        vcpu.setCpuid(cpuid);
        // KVM recomputes CPUID 0xD's current-size (EBX) only when it sees XCR0 change. An emulator that
        // runs the guest's XSETBV without an exit (QEMU TCG's nested SVM) leaves it at the reset size, and
        // Linux then warns "XSAVE consistency problem". Starting with every offered component enabled, as
        // firmware may leave it, keeps EBX right for a guest that enables them all, as Linux does.
        long xcr0 = XsaveLeaf.offeredXcr0(cpuid);
        if ((xcr0 & ~1L) != 0 && hypervisor.capabilities().has("XCRS")) vcpu.setXcr0(xcr0);
        vcpus[id] = vcpu;
        return vcpu;
    }

    @Override
    public synchronized List<Vcpu> vcpus() {
        List<Vcpu> created = new ArrayList<>();
        for (KvmVcpu vcpu : vcpus) {
            if (vcpu != null) created.add(vcpu);
        }
        return List.copyOf(created);
    }

    @Override
    public synchronized void addIoDevice(
            String deviceName, AddressSpace space, long base, long length, IoDevice device) {
        Objects.requireNonNull(device, "device");
        int key = registerDevice(deviceName, device, new IoDeviceEndpoint(deviceName, device));
        try {
            handle.call(vm -> NativeCore.vmm4j_vm_add_java_device(vm, spaceNumber(space), base, length, key));
        } catch (RuntimeException e) {
            devicesByName.remove(deviceName);
            throw e;
        }
    }

    @Override
    public SerialPort addSerialPort(String portName, int basePort, OutputStream output) {
        return addSerialPort(portName, basePort, config.irqchip() ? IsaPorts.serialIrq(basePort) : -1, output);
    }

    @Override
    public synchronized SerialPort addSerialPort(String portName, int basePort, int irq, OutputStream output) {
        Objects.requireNonNull(output, "output");
        if (irq >= 0 && !config.irqchip()) {
            throw new IllegalStateException("serial port " + portName + " needs the irqchip for IRQ " + irq);
        }
        int key = registerDevice(portName, output, new SerialOutputEndpoint(portName, output));
        long serial;
        try {
            serial = handle.call(vm -> NativeCore.vmm4j_vm_add_serial(vm, NativeCore.SPACE_PIO, basePort, irq, key));
        } catch (RuntimeException e) {
            devicesByName.remove(portName);
            throw e;
        }
        NativeSerialPort port = new NativeSerialPort(handle, serial, basePort, irq);
        devicesByName.put(portName, port); // its state is the snapshot's, not the output stream's
        return port;
    }

    @Override
    public synchronized void addNullDevice(String deviceName, AddressSpace space, long base, long length) {
        claimName(deviceName, space);
        try {
            handle.call(vm -> NativeCore.vmm4j_vm_add_null_device(vm, spaceNumber(space), base, length));
        } catch (RuntimeException e) {
            devicesByName.remove(deviceName);
            throw e;
        }
    }

    /** Registers a device the native core calls back; returns its device key. */
    private int registerDevice(String deviceName, Object device, DeviceEndpoint endpoint) {
        claimName(deviceName, device);
        devices.add(endpoint);
        return devices.size() - 1;
    }

    /** Reserves a device name while CREATED; names are unique within a VM. */
    private void claimName(String deviceName, Object device) {
        Objects.requireNonNull(deviceName, "name");
        requireState("add a device", VmState.CREATED);
        if (devicesByName.containsKey(deviceName)) {
            throw new IllegalArgumentException("a device named '" + deviceName + "' already exists");
        }
        devicesByName.put(deviceName, device);
    }

    private static int spaceNumber(AddressSpace space) {
        return space == AddressSpace.PIO ? NativeCore.SPACE_PIO : NativeCore.SPACE_MMIO;
    }

    @Override
    public synchronized VirtioMmioSlot addVirtioDevice(VirtioDeviceConfig config) {
        VirtioMmioSlot slot = MemoryLayout.virtioSlot(config, virtioSlots.size());
        claimName(config.name(), config);
        try {
            var attached = virtio.attach(slot);
            devices.add(new IoDeviceEndpoint(config.name(), attached.transport()));
            int key = devices.size() - 1;
            handle.call(vm ->
                    NativeCore.vmm4j_vm_add_java_device(vm, NativeCore.SPACE_MMIO, slot.base(), slot.size(), key));
            devicesByName.put(config.name(), attached.transport()); // snapshots save the transport
        } catch (RuntimeException e) {
            devicesByName.remove(config.name());
            throw e;
        }
        virtioSlots.add(slot);
        return slot;
    }

    @Override
    public VirtioConsole virtioConsole(String consoleName) {
        return virtio.console(consoleName);
    }

    KvmVirtioDevices virtio() {
        return virtio;
    }

    @Override
    public synchronized List<VirtioMmioSlot> virtioDevices() {
        return List.copyOf(virtioSlots);
    }

    @Override
    public void setIrqLevel(int gsi, boolean asserted) {
        if (!config.irqchip()) throw new IllegalStateException(name + " has no in-kernel irqchip (VmConfig.irqchip)");
        handle.call(vm -> NativeCore.vmm4j_vm_set_irq_line(vm, gsi, asserted ? 1 : 0));
    }

    /** The key of the device registered under this name; -1 if none. */
    int deviceKey(String deviceName) {
        for (int key = 0; key < devices.size(); key++) {
            if (devices.get(key).name().equals(deviceName)) return key;
        }
        return -1;
    }

    DeviceEndpoint device(int key) {
        return devices.get(key);
    }

    // ---- lifecycle ----

    @Override
    public synchronized VmState state() {
        return state;
    }

    @Override
    public synchronized Optional<StopReason> stopReason() {
        return state == VmState.STOPPED ? Optional.ofNullable(stopReason) : Optional.empty();
    }

    @Override
    public Optional<StopReason> awaitStop(Duration timeout) throws InterruptedException {
        if (!stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) return Optional.empty();
        return stopReason();
    }

    @Override
    public synchronized void start() {
        requireState("start", VmState.CREATED);
        for (int id = 0; id < vcpus.length; id++) {
            if (vcpus[id] == null) createVcpu(id);
        }
        managed = true;
        state = VmState.RUNNING;
        for (KvmVcpu vcpu : vcpus) {
            Thread thread = new Thread(() -> runManaged(vcpu), "vmm4j-" + name + "-vcpu" + vcpu.id());
            thread.setDaemon(true);
            vcpuThreads.add(thread);
        }
        liveVcpuThreads = vcpuThreads.size();
        vcpuThreads.forEach(Thread::start);
    }

    /** The body of a managed vCPU thread: one downcall that returns only when this vCPU must stop. */
    private void runManaged(KvmVcpu vcpu) {
        StopReason reason;
        try {
            int kind = vcpu.runNative(NativeCore.RUN_MANAGED);
            reason = reasonFor(vcpu, kind);
        } catch (Throwable t) {
            reason = new StopReason(
                    StopReason.Kind.VCPU_FAILURE, vcpu.id(), Optional.empty(), Optional.of(t), OptionalLong.empty());
        }
        if (reason != null) {
            LOG.debug("{} vCPU {} stops the VM: {}", name, vcpu.id(), reason);
            requestStop(reason);
        }
        vcpuThreadEnded();
    }

    /** The reason a managed vCPU's exit stops the VM, or null when it only ends this vCPU. */
    private StopReason reasonFor(KvmVcpu vcpu, int kind) {
        StopReason.Kind stopKind;
        switch (kind) {
            case NativeExitKind.HALT:
            case NativeExitKind.STOPPED:
                return null;
            case NativeExitKind.DEVICE_ERROR:
                return new StopReason(
                        StopReason.Kind.DEVICE_FAILURE,
                        vcpu.id(),
                        Optional.empty(),
                        Optional.of(deviceFailure(vcpu)),
                        OptionalLong.empty());
            case NativeExitKind.SHUTDOWN:
                stopKind = StopReason.Kind.SHUTDOWN;
                break;
            case NativeExitKind.SYSTEM_RESET:
                stopKind = StopReason.Kind.SYSTEM_RESET;
                break;
            case NativeExitKind.INTERNAL_ERROR:
                stopKind = StopReason.Kind.INTERNAL_ERROR;
                break;
            case NativeExitKind.FAIL_ENTRY:
                stopKind = StopReason.Kind.FAIL_ENTRY;
                break;
            default:
                stopKind = StopReason.Kind.VCPU_FAILURE;
                break;
        }
        return new StopReason(
                stopKind, vcpu.id(), Optional.of(vcpu.decodeExit(kind)), Optional.empty(), OptionalLong.empty());
    }

    private synchronized void vcpuThreadEnded() {
        if (--liveVcpuThreads == 0) finishStop(StopReason.Kind.HALTED);
    }

    /** Records the first reason, asks every vCPU to stop, and returns without waiting. */
    @Override
    public void requestStop(StopReason reason) {
        Objects.requireNonNull(reason, "reason");
        synchronized (this) {
            if (stopReason == null) stopReason = reason;
        }
        if (!handle.isFreed()) handle.call(NativeCore::vmm4j_vm_request_stop);
    }

    private synchronized void finishStop(StopReason.Kind defaultKind) {
        if (stopReason == null) {
            stopReason = StopReason.of(defaultKind);
        }
        state = VmState.STOPPED;
        stopped.countDown();
    }

    @Override
    public void pause() {
        synchronized (this) {
            requireState("pause", VmState.RUNNING);
            state = VmState.PAUSED;
        }
        long parked = handle.call(vm -> NativeCore.vmm4j_vm_pause(vm, PAUSE_TIMEOUT_MILLIS));
        if (parked == 0) {
            throw new VmmException(
                    "pause",
                    0,
                    name + ": vCPUs did not park within " + PAUSE_TIMEOUT_MILLIS
                            + " ms; a device may be blocking a vCPU thread");
        }
    }

    @Override
    public void resume() {
        synchronized (this) {
            requireState("resume", VmState.PAUSED);
            state = VmState.RUNNING;
        }
        handle.call(NativeCore::vmm4j_vm_resume);
    }

    @Override
    public void stop() {
        List<Thread> threads;
        synchronized (this) {
            if (state == VmState.STOPPED) return;
            if (state == VmState.CREATED || !managed) {
                requestStop(StopReason.requested());
                finishStop(StopReason.Kind.STOP_REQUESTED);
                return;
            }
            threads = List.copyOf(vcpuThreads);
        }
        requestStop(StopReason.requested());
        if (threads.contains(Thread.currentThread())) return; // a device stopping its own VM
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_TIMEOUT_MILLIS);
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VmmException("stop", name + ": interrupted while waiting for vCPU threads", e);
            }
            if (thread.isAlive()) {
                throw new VmmException(
                        "stop",
                        0,
                        name + ": " + thread.getName() + " did not stop within " + STOP_TIMEOUT_MILLIS
                                + " ms; a device may be blocking it");
            }
        }
    }

    /** Called by a manual {@link Vcpu#run()}: the first one moves the VM to RUNNING. */
    synchronized void beginManualRun() {
        if (closed) throw new IllegalStateException(name + " is closed");
        if (managed) throw new IllegalStateException(name + " runs managed: Vcpu.run() is not available");
        if (state == VmState.CREATED) state = VmState.RUNNING;
        requireState("run a vCPU", VmState.RUNNING);
    }

    /** A manual run hit a device failure: stop the VM and describe the failure to the caller. */
    RuntimeException failOnDeviceError(KvmVcpu vcpu) {
        RuntimeException failure = deviceFailure(vcpu);
        requestStop(new StopReason(
                StopReason.Kind.DEVICE_FAILURE,
                vcpu.id(),
                Optional.empty(),
                Optional.of(failure),
                OptionalLong.empty()));
        finishStop(StopReason.Kind.DEVICE_FAILURE);
        return failure;
    }

    private RuntimeException deviceFailure(KvmVcpu vcpu) {
        Throwable cause = deviceFailures.remove(vcpu.id());
        int key = vcpu.failedDeviceKey();
        String device =
                key >= 0 && key < devices.size() ? "device '" + devices.get(key).name() + "'" : "a device";
        return new VmmException(
                "device access",
                name + " vCPU " + vcpu.id() + ": " + device + " failed" + (cause == null ? "" : ": " + cause),
                cause);
    }

    void recordDeviceFailure(KvmVcpu vcpu, DeviceEndpoint device, boolean isWrite, long offset, Throwable cause) {
        LOG.debug(
                "{}: device '{}' threw on {} at offset 0x{}",
                name,
                device.name(),
                isWrite ? "write" : "read",
                Long.toHexString(offset),
                cause);
        deviceFailures.put(vcpu.id(), cause);
    }

    void reportUnclaimed(AddressSpace space, long address, int size, boolean isWrite) {
        if (!LOG.isDebugEnabled() || loggedUnclaimed.size() >= MAX_LOGGED_UNCLAIMED) return;
        if (loggedUnclaimed.add(space + ":" + address)) {
            LOG.debug(
                    "{}: unclaimed {} {} of {} bytes at 0x{} ({})",
                    name,
                    space,
                    isWrite ? "write" : "read",
                    size,
                    Long.toHexString(address),
                    isWrite ? "ignored" : "reads as all ones");
        }
    }

    private void requireState(String action, VmState... allowed) {
        if (closed) throw new IllegalStateException("cannot " + action + ": " + name + " is closed");
        for (VmState candidate : allowed) {
            if (state == candidate) return;
        }
        throw new IllegalStateException("cannot " + action + " while " + name + " is " + state);
    }

    // ---- snapshots ----

    @Override
    public synchronized List<DeviceSnapshot> snapshotDevices() {
        if (state == VmState.RUNNING) throw new IllegalStateException("pause " + name + " before a snapshot");
        List<DeviceSnapshot> snapshots = new ArrayList<>();
        devicesByName.forEach((deviceName, device) -> {
            if (device instanceof StatefulDevice stateful) {
                snapshots.add(new DeviceSnapshot(deviceName, stateful.stateVersion(), stateful.saveState()));
            }
        });
        return snapshots;
    }

    @Override
    public synchronized void restoreDevices(List<DeviceSnapshot> snapshots) {
        if (state == VmState.RUNNING) throw new IllegalStateException("pause " + name + " before a restore");
        Set<String> seen = new HashSet<>();
        for (DeviceSnapshot snapshot : snapshots) {
            Object device = devicesByName.get(snapshot.deviceName());
            if (!(device instanceof StatefulDevice)) {
                throw new IllegalArgumentException("snapshot names device '" + snapshot.deviceName() + "', which "
                        + name + " has no stateful device called");
            }
            if (!seen.add(snapshot.deviceName())) {
                throw new IllegalArgumentException("snapshot names device '" + snapshot.deviceName() + "' twice");
            }
        }
        for (DeviceSnapshot snapshot : snapshots) {
            ((StatefulDevice) devicesByName.get(snapshot.deviceName()))
                    .restoreState(snapshot.version(), snapshot.state());
        }
    }

    @Override
    public boolean isManagedExecution() {
        return false;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
        }
        try {
            stop();
        } catch (RuntimeException e) {
            LOG.warn(
                    "{}: closing while vCPU threads are still running; native resources are kept to stay safe",
                    name,
                    e);
            synchronized (this) {
                closed = true;
            }
            return;
        }
        synchronized (this) {
            closed = true;
        }
        // Waits for any manual run() still inside the native handle; stop() has kicked it.
        handle.free(NativeCore::vmm4j_vm_close);
        // Keys are reused, so they are released only now that no native code can report them.
        synchronized (this) {
            for (int key : vcpuKeys) {
                if (key >= 0) UpcallKeys.unregister(key);
            }
        }
        virtio.release();
    }

    @Override
    public String toString() {
        return name + "[" + state() + "]";
    }
}
