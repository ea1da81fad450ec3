package io.vmm4j.api;

/**
 * A snapshot held open, read and checked once, that hands out running clones. Every clone maps the
 * same memory file copy-on-write: pages no clone writes are shared, and the file is never written.
 * Clones are independent VMs: close each one; closing the template does not close them.
 */
public interface Template extends AutoCloseable {
    /** A new VM restored from the snapshot and started. */
    VirtualMachine newVm();

    /** Same, with the Java devices (and serial outputs) this clone needs. */
    VirtualMachine newVm(RestoreOptions options);

    @Override
    void close();
}
