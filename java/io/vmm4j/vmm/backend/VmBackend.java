package io.vmm4j.vmm.backend;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.VirtioConsole;
import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.devices.virtio.VirtioMmioTransport;
import java.io.OutputStream;

/**
 * One VM in the hypervisor. The VM core calls it under its own lock for set-up (while the VM is being
 * built) and for pause/resume/stop; {@link #close()} is called once.
 */
public interface VmBackend {
    GuestMemory memory();

    /** Creates vCPU {@code id}; its device accesses go to {@code host}. */
    VcpuBackend createVcpu(int id, VcpuHost host);

    /** Routes guest accesses to {@code [base, base + length)} to the device the core registered as {@code key}. */
    void addDevice(AddressSpace space, long base, long length, int key);

    /** Claims a range with a device that ignores writes and reads as zero, served without leaving the vCPU. */
    void addNullDevice(AddressSpace space, long base, long length);

    /**
     * Adds a 16550A UART on {@code [basePort, basePort + 8)} raising {@code irq} (-1: polled); what it
     * transmits goes to {@code output}, in batches, in order. A failing {@code output} ends the run as a
     * failure of the device the core registered as {@code deviceKey}.
     */
    SerialInput addSerialPort(int basePort, int irq, int deviceKey, OutputStream output);

    /** Creates the device behind a virtio-mmio slot; the core puts the returned transport on the bus. */
    VirtioMmioTransport addVirtioDevice(VirtioMmioSlot slot);

    /** The host end of a virtio-console added by {@link #addVirtioDevice}. */
    VirtioConsole virtioConsole(String name);

    void setIrqLevel(int gsi, boolean asserted);

    /** Asks every vCPU to leave its run and returns at once. */
    void requestStop();

    /** Parks every running vCPU; false if they did not all park within the timeout. */
    boolean pause(long timeoutMillis);

    void resume();

    /** Whether the hypervisor runs the vCPUs itself, so that {@code Vcpu.run()} is unavailable. */
    boolean isManagedExecution();

    /** Whether {@link #close()} has freed the VM. */
    boolean isClosed();

    /** Frees the VM: every fd, mapping and thread. Waits for a manual run still inside the hypervisor. */
    void close();
}
