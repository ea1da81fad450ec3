package io.vmm4j.vmm;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.GenerationId;
import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.PlatformCapabilities;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.SnapshotReport;
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
import io.vmm4j.api.x86.CpuidEntry;
import io.vmm4j.arch.x86.CpuFeature;
import io.vmm4j.arch.x86.CpuModel;
import io.vmm4j.arch.x86.CpuidFilter;
import io.vmm4j.arch.x86.IsaPorts;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.XsaveLeaf;
import io.vmm4j.devices.kinds.IoDeviceKinds;
import io.vmm4j.devices.virtio.VirtioMmioTransport;
import io.vmm4j.devices.virtio.kinds.VirtioDeviceKinds;
import io.vmm4j.snapshot.DeviceRecord;
import io.vmm4j.snapshot.SnapshotContents;
import io.vmm4j.vmm.DeviceRegistry.GenerationIdDevice;
import io.vmm4j.vmm.DeviceRegistry.JavaDevice;
import io.vmm4j.vmm.DeviceRegistry.NullDevice;
import io.vmm4j.vmm.DeviceRegistry.SerialDevice;
import io.vmm4j.vmm.DeviceRegistry.VirtioDevice;
import io.vmm4j.vmm.backend.DeviceEndpoint;
import io.vmm4j.vmm.backend.HypervisorBackend;
import io.vmm4j.vmm.backend.MemoryRegion;
import io.vmm4j.vmm.backend.RunEnd;
import io.vmm4j.vmm.backend.SerialInput;
import io.vmm4j.vmm.backend.VcpuBackend;
import io.vmm4j.vmm.backend.VcpuHost;
import io.vmm4j.vmm.backend.VmBackend;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The backend-neutral VM (as Firecracker's {@code vstate}): the lifecycle state machine, the device
 * registry, the vCPU threads, the x86 platform set-up of each vCPU and device snapshots. The
 * hypervisor-specific part is a {@link VmBackend}; the native core only knows "running", "pause
 * requested" and "stop requested".
 */
public final class Vm implements VirtualMachine, VcpuHost {
    private static final Logger LOG = LogManager.getLogger(Vm.class);
    private static final AtomicInteger VM_NUMBERS = new AtomicInteger();
    private static final long PAUSE_TIMEOUT_MILLIS = 5_000;
    private static final long STOP_TIMEOUT_MILLIS = 10_000;
    // Bounds the memory a guest can make us spend on remembering which addresses it probed.
    private static final int MAX_LOGGED_UNCLAIMED = 1024;

    private final VmConfig config;
    private final String name;
    private final PlatformCapabilities capabilities;
    private final List<CpuidEntry> modelCpuid;
    private final Map<CpuFeature, Boolean> cpuFeatures;
    private final VmBackend backend;
    private final VcpuBackend[] vcpus;
    private final DeviceRegistry devices = new DeviceRegistry();
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
    // What the VM was built from, for a snapshot's state file, and the last snapshot taken.
    private final List<DeviceRecord> deviceRecords = new ArrayList<>();
    private SnapshotContents.Parent lastSnapshot;

    /** Creates the VM in {@code hypervisor}; refuses a configuration the platform cannot run before that. */
    public Vm(HypervisorBackend hypervisor, VmConfig config) {
        this(hypervisor, config, null);
    }

    /**
     * With a {@code memoryFile}, RAM is mapped copy-on-write from it (its regions back to back, in
     * guest-address order), as a restore does; without one (null) it is anonymous.
     */
    Vm(HypervisorBackend hypervisor, VmConfig config, Path memoryFile) {
        this.config = config;
        this.name = "vm" + VM_NUMBERS.incrementAndGet();
        this.capabilities = hypervisor.capabilities();
        if (config.vcpuCount() > capabilities.maxVcpus()) {
            throw new IllegalArgumentException("vcpuCount " + config.vcpuCount() + " exceeds the "
                    + capabilities.maxVcpus() + " vCPUs the hypervisor allows per VM");
        }
        this.modelCpuid = CpuModel.byName(config.cpuModel()).apply(hypervisor.supportedCpuid());
        this.cpuFeatures = CpuidFilter.featuresByName(config.cpuFeatures());
        // One region per RAM range: RAM splits around the MMIO gap for large guests.
        List<MemoryRegion> ram = new ArrayList<>();
        long fileOffset = 0;
        for (MemoryLayout.RamRegion region : MemoryLayout.ramRegions(config.memorySize())) {
            ram.add(new MemoryRegion(region.start(), region.size(), memoryFile, memoryFile == null ? 0 : fileOffset));
            fileOffset += region.size();
        }
        this.backend = hypervisor.createVm(name, config, ram);
        this.vcpus = new VcpuBackend[config.vcpuCount()];
    }

    @Override
    public VmConfig config() {
        return config;
    }

    @Override
    public GuestMemory memory() {
        return backend.memory();
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
        VcpuBackend vcpu = backend.createVcpu(id, this);
        List<CpuidEntry> cpuid = CpuidFilter.forVcpu(modelCpuid, id, vcpus.length, cpuFeatures);
        vcpu.setCpuid(cpuid);
        // KVM recomputes CPUID 0xD's current-size (EBX) only when it sees XCR0 change. An emulator that
        // runs the guest's XSETBV without an exit (QEMU TCG's nested SVM) leaves it at the reset size, and
        // Linux then warns "XSAVE consistency problem". Starting with every offered component enabled, as
        // firmware may leave it, keeps EBX right for a guest that enables them all, as Linux does.
        long xcr0 = XsaveLeaf.offeredXcr0(cpuid);
        if ((xcr0 & ~1L) != 0 && capabilities.has(PlatformCapabilities.Feature.EXTENDED_CONTROL_REGISTERS)) {
            vcpu.setXcr0(xcr0);
        }
        vcpus[id] = vcpu;
        return vcpu;
    }

    @Override
    public synchronized List<Vcpu> vcpus() {
        List<Vcpu> created = new ArrayList<>();
        for (VcpuBackend vcpu : vcpus) {
            if (vcpu != null) created.add(vcpu);
        }
        return List.copyOf(created);
    }

    // ---- devices ----

    @Override
    public synchronized void addIoDevice(
            String deviceName, AddressSpace space, long base, long length, IoDevice device) {
        Objects.requireNonNull(device, "device");
        requireNewDevice(deviceName);
        int key = devices.nextKey();
        backend.addDevice(space, base, length, key);
        devices.add(new JavaDevice(deviceName, device), new IoDeviceEndpoint(deviceName, device));
        String kind = IoDeviceKinds.of(device).map(IoDeviceKinds.Kind::name).orElse("");
        deviceRecords.add(new DeviceRecord.JavaIo(deviceName, kind, space == AddressSpace.MMIO, base, length));
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
        requireNewDevice(portName);
        int key = devices.nextKey();
        SerialInput input = backend.addSerialPort(basePort, irq, key, output);
        SerialDevice device = new SerialDevice(portName, basePort, irq, input);
        devices.add(device, new SerialOutputEndpoint(portName, output));
        deviceRecords.add(new DeviceRecord.Serial(portName, basePort, irq));
        return device;
    }

    @Override
    public synchronized SerialPort serialPort(String portName) {
        if (devices.byName(portName).orElse(null) instanceof SerialDevice serial) return serial;
        throw new IllegalArgumentException(name + " has no serial port named '" + portName + "'");
    }

    @Override
    public synchronized void addNullDevice(String deviceName, AddressSpace space, long base, long length) {
        requireNewDevice(deviceName);
        backend.addNullDevice(space, base, length);
        devices.add(new NullDevice(deviceName));
        deviceRecords.add(new DeviceRecord.Null(deviceName, space == AddressSpace.MMIO, base, length));
    }

    @Override
    public synchronized VirtioMmioSlot addVirtioDevice(VirtioDeviceConfig deviceConfig) {
        requireNewDevice(deviceConfig.name());
        // Taken first: it refuses an unknown kind, and a disk that cannot be examined, before anything is built.
        byte[] savedConfig = VirtioDeviceKinds.forConfig(deviceConfig).saveConfig();
        VirtioMmioSlot slot =
                MemoryLayout.virtioSlot(deviceConfig, devices.virtioSlots().size());
        VirtioMmioTransport transport = backend.addVirtioDevice(slot);
        int key = devices.nextKey();
        backend.addDevice(AddressSpace.MMIO, slot.base(), slot.size(), key);
        devices.add(
                new VirtioDevice(deviceConfig.name(), slot, transport),
                new IoDeviceEndpoint(deviceConfig.name(), transport));
        deviceRecords.add(new DeviceRecord.Virtio(deviceConfig.name(), deviceConfig.deviceId(), savedConfig));
        return slot;
    }

    @Override
    public synchronized GenerationId addGenerationId(String idName, long address, int gsi) {
        requireNewDevice(idName);
        if (!config.irqchip()) {
            throw new IllegalStateException("generation id " + idName + " needs the irqchip to notify GSI " + gsi);
        }
        VmGenerationId id = new VmGenerationId(address, gsi);
        id.write(VmGenerationId.fresh()); // checks the address before anything is registered
        devices.add(new GenerationIdDevice(idName, id));
        deviceRecords.add(new DeviceRecord.GenerationId(idName, address, gsi));
        return id;
    }

    /** Tells the guest it is a copy: a fresh generation id, notified, for each one the VM has. */
    synchronized void regenerateGenerationIds() {
        devices.generationIds().forEach(GenerationId::regenerate);
    }

    private final class VmGenerationId implements GenerationId {
        private static final SecureRandom RANDOM = new SecureRandom();
        private final long address;
        private final int gsi;

        VmGenerationId(long address, int gsi) {
            this.address = address;
            this.gsi = gsi;
        }

        static byte[] fresh() {
            byte[] id = new byte[SIZE];
            RANDOM.nextBytes(id);
            return id;
        }

        void write(byte[] id) {
            memory().write(address, id);
        }

        @Override
        public long address() {
            return address;
        }

        @Override
        public int gsi() {
            return gsi;
        }

        @Override
        public byte[] id() {
            return memory().read(address, SIZE);
        }

        @Override
        public byte[] regenerate() {
            byte[] id = fresh();
            write(id);
            setIrqLevel(gsi, true);
            setIrqLevel(gsi, false);
            return id;
        }
    }

    private void requireNewDevice(String deviceName) {
        requireState("add a device", VmState.CREATED);
        devices.requireFreeName(deviceName);
    }

    @Override
    public VirtioConsole virtioConsole(String consoleName) {
        return backend.virtioConsole(consoleName);
    }

    @Override
    public synchronized List<VirtioMmioSlot> virtioDevices() {
        return List.copyOf(devices.virtioSlots());
    }

    /** The transport of the virtio device named {@code deviceName}. */
    public synchronized VirtioMmioTransport virtioTransport(String deviceName) {
        if (devices.byName(deviceName).orElse(null) instanceof VirtioDevice virtio) return virtio.transport();
        throw new IllegalArgumentException(name + " has no virtio device named '" + deviceName + "'");
    }

    /** The hypervisor's side of this VM, for the backend's own internal tools. */
    public VmBackend backend() {
        return backend;
    }

    /** The key the backend knows the device named {@code deviceName} by; -1 if none. */
    public int deviceKey(String deviceName) {
        return devices.keyOf(deviceName);
    }

    @Override
    public void setIrqLevel(int gsi, boolean asserted) {
        if (!config.irqchip()) throw new IllegalStateException(name + " has no in-kernel irqchip (VmConfig.irqchip)");
        backend.setIrqLevel(gsi, asserted);
    }

    // ---- what the backend's vCPUs ask of the VM ----

    @Override
    public DeviceEndpoint device(int key) {
        return devices.endpoint(key);
    }

    @Override
    public void recordDeviceFailure(int vcpuId, DeviceEndpoint device, boolean isWrite, long offset, Throwable cause) {
        LOG.debug(
                "{}: device '{}' threw on {} at offset 0x{}",
                name,
                device.name(),
                isWrite ? "write" : "read",
                Long.toHexString(offset),
                cause);
        deviceFailures.put(vcpuId, cause);
    }

    @Override
    public void reportUnclaimed(AddressSpace space, long address, int size, boolean isWrite) {
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

    @Override
    public synchronized void beginManualRun() {
        if (closed) throw new IllegalStateException(name + " is closed");
        if (managed) throw new IllegalStateException(name + " runs managed: Vcpu.run() is not available");
        if (state == VmState.CREATED) state = VmState.RUNNING;
        requireState("run a vCPU", VmState.RUNNING);
    }

    @Override
    public RuntimeException failOnDeviceError(int vcpuId, int deviceKey) {
        RuntimeException failure = deviceFailure(vcpuId, deviceKey);
        requestStop(new StopReason(
                StopReason.Kind.DEVICE_FAILURE, vcpuId, Optional.empty(), Optional.of(failure), OptionalLong.empty()));
        finishStop(StopReason.Kind.DEVICE_FAILURE);
        return failure;
    }

    private RuntimeException deviceFailure(int vcpuId, int deviceKey) {
        Throwable cause = deviceFailures.remove(vcpuId);
        String device = deviceKey >= 0 && deviceKey < devices.nextKey()
                ? "device '" + devices.endpoint(deviceKey).name() + "'"
                : "a device";
        return new VmmException(
                "device access",
                name + " vCPU " + vcpuId + ": " + device + " failed" + (cause == null ? "" : ": " + cause),
                cause);
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
        for (VcpuBackend vcpu : vcpus) {
            Thread thread = new Thread(() -> runManaged(vcpu), "vmm4j-" + name + "-vcpu" + vcpu.id());
            thread.setDaemon(true);
            vcpuThreads.add(thread);
        }
        liveVcpuThreads = vcpuThreads.size();
        vcpuThreads.forEach(Thread::start);
    }

    /** The body of a managed vCPU thread: one call that returns only when this vCPU must stop. */
    private void runManaged(VcpuBackend vcpu) {
        StopReason reason;
        try {
            reason = reasonFor(vcpu.id(), vcpu.runManaged());
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

    /** The reason a managed vCPU's end stops the VM, or null when it only ends this vCPU. */
    private StopReason reasonFor(int vcpuId, RunEnd end) {
        if (end instanceof RunEnd.DeviceFailed failed) {
            return new StopReason(
                    StopReason.Kind.DEVICE_FAILURE,
                    vcpuId,
                    Optional.empty(),
                    Optional.of(deviceFailure(vcpuId, failed.deviceKey())),
                    OptionalLong.empty());
        }
        if (end instanceof RunEnd.StopsVm stops) {
            return new StopReason(
                    stops.kind(), vcpuId, Optional.of(stops.exit()), Optional.empty(), OptionalLong.empty());
        }
        return null;
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
        if (!backend.isClosed()) backend.requestStop();
    }

    private synchronized void finishStop(StopReason.Kind defaultKind) {
        if (stopReason == null) stopReason = StopReason.of(defaultKind);
        state = VmState.STOPPED;
        stopped.countDown();
    }

    @Override
    public void pause() {
        synchronized (this) {
            requireState("pause", VmState.RUNNING);
            state = VmState.PAUSED;
        }
        if (!backend.pause(PAUSE_TIMEOUT_MILLIS)) {
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
        backend.resume();
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
        devices.stateful()
                .forEach((deviceName, device) ->
                        snapshots.add(new DeviceSnapshot(deviceName, device.stateVersion(), device.saveState())));
        return snapshots;
    }

    @Override
    public synchronized void restoreDevices(List<DeviceSnapshot> snapshots) {
        if (state == VmState.RUNNING) throw new IllegalStateException("pause " + name + " before a restore");
        Map<String, StatefulDevice> stateful = devices.stateful();
        Set<String> seen = new HashSet<>();
        for (DeviceSnapshot snapshot : snapshots) {
            if (!stateful.containsKey(snapshot.deviceName())) {
                throw new IllegalArgumentException("snapshot names device '" + snapshot.deviceName() + "', which "
                        + name + " has no stateful device called");
            }
            if (!seen.add(snapshot.deviceName())) {
                throw new IllegalArgumentException("snapshot names device '" + snapshot.deviceName() + "' twice");
            }
        }
        for (DeviceSnapshot snapshot : snapshots) {
            stateful.get(snapshot.deviceName()).restoreState(snapshot.version(), snapshot.state());
        }
    }

    @Override
    public SnapshotReport snapshot(Path directory) {
        return takeSnapshot(directory, false);
    }

    @Override
    public SnapshotReport snapshotDiff(Path directory) {
        return takeSnapshot(directory, true);
    }

    private SnapshotReport takeSnapshot(Path directory, boolean diff) {
        boolean wasRunning;
        SnapshotContents.Parent parent;
        synchronized (this) {
            requireState("take a snapshot", VmState.CREATED, VmState.RUNNING, VmState.PAUSED);
            for (int id = 0; id < vcpus.length; id++) {
                if (vcpus[id] == null) {
                    throw new IllegalStateException("create vCPU " + id + " of " + name + " before a snapshot");
                }
            }
            parent = lastSnapshot;
            if (diff && parent == null) {
                throw new IllegalStateException(name + " has no snapshot to diff against: take a full one first");
            }
            wasRunning = state == VmState.RUNNING;
        }
        long start = System.nanoTime();
        if (wasRunning) pause();
        try {
            VmSnapshots.Written written = VmSnapshots.write(this, directory, diff ? parent : null);
            synchronized (this) {
                lastSnapshot = written.self();
            }
            return new SnapshotReport(
                    directory,
                    diff,
                    Duration.ofNanos(System.nanoTime() - start),
                    config.memorySize(),
                    written.memoryBytes(),
                    written.stateBytes());
        } finally {
            if (wasRunning) resume();
        }
    }

    synchronized List<DeviceRecord> deviceRecords() {
        return List.copyOf(deviceRecords);
    }

    synchronized VcpuBackend vcpu(int id) {
        return vcpus[id];
    }

    @Override
    public boolean isManagedExecution() {
        return backend.isManagedExecution();
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
        backend.close();
    }

    @Override
    public String toString() {
        return name + "[" + state() + "]";
    }
}
