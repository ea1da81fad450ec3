package io.vmm4j.jni;

/** Receives the device accesses of one vCPU from the native run loop. */
public interface IoUpcallHandler {
    /**
     * @param deviceKey the VM-local device key, or {@link NativeContract#UNCLAIMED_PIO_KEY} /
     *     {@link NativeContract#UNCLAIMED_MMIO_KEY}
     * @return 0 on success, nonzero when the device failed
     */
    int onAccess(int deviceKey, long address, int size, boolean isWrite, long data);
}
