package io.vmm4j.api;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A virtual machine. Its lifecycle is CREATED → RUNNING ⇄ PAUSED → STOPPED; a call that does not fit
 * the current state throws {@link IllegalStateException}. {@link #close()} may be called in any state,
 * any number of times, and frees every file descriptor and mapping the VM holds.
 *
 * <p>Devices and vCPUs are added while CREATED. The VM then runs either managed, through
 * {@link #start()}, or manually, with the caller looping on {@link Vcpu#run()}.
 */
public interface VirtualMachine extends AutoCloseable {
    VmConfig config();

    GuestMemory memory();

    /** Creates vCPU {@code id}, which must be below {@link VmConfig#vcpuCount()} and not exist yet. */
    Vcpu createVcpu(int id);

    /** The vCPUs created so far, by id. */
    List<Vcpu> vcpus();

    /** The number of vCPUs the VM is configured with. */
    int vcpuCount();

    /** Registers a Java device on {@code [base, base + length)}; overlapping ranges are refused. */
    void addIoDevice(String name, AddressSpace space, long base, long length, IoDevice device);

    /**
     * Claims {@code [base, base + length)} with a native device that ignores writes and reads as zero,
     * without leaving the vCPU's native loop: for ports a guest probes but nothing needs to serve,
     * such as the POST-code port 0x80.
     */
    void addNullDevice(String name, AddressSpace space, long base, long length);

    /**
     * Adds a native 16550A UART on ports {@code [basePort, basePort + 8)} that transmits to {@code output}.
     * With the irqchip it raises the ISA interrupt of a standard port (4 for 0x3f8 and 0x3e8, 3 for 0x2f8
     * and 0x2e8); without it, or on another port, the guest polls it.
     */
    SerialPort addSerialPort(String name, int basePort, OutputStream output);

    /** Adds a native 16550A UART raising interrupt {@code irq} (requires {@link VmConfig#irqchip()}). */
    SerialPort addSerialPort(String name, int basePort, int irq, OutputStream output);

    /** Attaches a virtio-mmio device, allocating its register window and interrupt line. */
    VirtioMmioSlot addVirtioDevice(VirtioDeviceConfig config);

    List<VirtioMmioSlot> virtioDevices();

    /**
     * The serial port named {@code name}, as {@link #addSerialPort} returned it (or a restore built it).
     *
     * @throws IllegalArgumentException when the VM has no serial port of that name
     */
    SerialPort serialPort(String name);

    /**
     * The host end of the virtio-console named {@code name}.
     *
     * @throws IllegalArgumentException when the VM has no virtio-console of that name
     */
    VirtioConsole virtioConsole(String name);

    /**
     * Drives interrupt line {@code gsi} of the in-kernel IOAPIC/PIC: asserted or not. An edge-triggered
     * interrupt is a call with true followed by one with false.
     *
     * @throws IllegalStateException without {@link VmConfig#irqchip()}
     */
    void setIrqLevel(int gsi, boolean asserted);

    /**
     * Adds a {@link GenerationId} at guest address {@code address} (16 bytes of RAM the guest is
     * told about, for example in its ACPI tables), notified on {@code gsi}. A fresh id is written now;
     * every restore and clone writes another and raises the line. Requires {@link VmConfig#irqchip()}.
     */
    GenerationId addGenerationId(String name, long address, int gsi);

    /** Managed execution: creates any missing vCPUs and runs each on a thread of its own. */
    void start();

    /**
     * Asks the VM to stop with {@code reason} and returns at once; the first reason recorded wins. For
     * devices that end the VM on a guest request (a reset, a debug exit) from a vCPU thread.
     */
    void requestStop(StopReason reason);

    /**
     * Returns once every vCPU is parked and the virtio devices are quiesced: a request in progress
     * has completed and no queue is served until {@link #resume()}, so device state and guest memory
     * agree, as a snapshot needs.
     */
    void pause();

    void resume();

    /** Stops the vCPUs and returns once their threads have ended. Idempotent once STOPPED. */
    void stop();

    VmState state();

    /** Why the VM stopped, once it has. */
    Optional<StopReason> stopReason();

    /** Waits for the VM to stop by itself or by {@link #stop()}; empty on timeout. */
    Optional<StopReason> awaitStop(Duration timeout) throws InterruptedException;

    /**
     * The state of every {@link StatefulDevice}, taken while the VM is not running: Java devices that
     * implement it, serial ports and virtio devices (registers and queues).
     */
    List<DeviceSnapshot> snapshotDevices();

    /**
     * Restores devices by name; every snapshot must name a {@link StatefulDevice} of this VM. Guest
     * memory must already hold what the devices refer to (virtio rings): restored queues are served
     * at once unless the VM is paused.
     */
    void restoreDevices(List<DeviceSnapshot> snapshots);

    /**
     * Writes a full snapshot into {@code directory} (created if missing): a state file (vCPUs, the
     * in-kernel interrupt controllers and clock, every device's state, and what the VM was built
     * from) and a sparse memory file. A RUNNING VM is paused for it and resumed; a PAUSED one stays
     * paused. The guest does not notice: resumed, it goes on exactly where it was. Dirty-page
     * tracking starts, so that {@link #snapshotDiff} can follow.
     */
    SnapshotReport snapshot(Path directory);

    /**
     * Writes a snapshot whose memory file holds only the pages written since this VM's previous
     * snapshot, which it names as its parent; restoring it maps the chain's base and overlays each
     * diff in turn. The parent's files must stay where they are.
     *
     * @throws IllegalStateException when this VM has taken no snapshot yet
     */
    SnapshotReport snapshotDiff(Path directory);

    /**
     * Whether the backend owns vCPU execution, so that {@link Vcpu#run()} is unavailable (macOS
     * Hypervisor.framework). Always false on KVM, which offers both managed and manual execution.
     */
    boolean isManagedExecution();

    @Override
    void close();
}
