package io.vmm4j.api;

import java.util.Arrays;

/** Why {@link Vcpu#run()} returned. */
public sealed interface VcpuExit {

    /** The guest executed HLT with interrupts it cannot be woken from (no in-kernel irqchip). */
    record Halt() implements VcpuExit {}

    /** A port read no device claimed; answer with {@link Vcpu#setIoInResult(long)}. */
    record IoIn(int port, int size) implements VcpuExit {}

    /** A port write no device claimed. */
    record IoOut(int port, int size, long data) implements VcpuExit {}

    /** An MMIO read no device claimed; answer with {@link Vcpu#setMmioReadResult(long)}. */
    record MmioRead(long address, int size) implements VcpuExit {}

    /** An MMIO write no device claimed. */
    record MmioWrite(long address, int size, long data) implements VcpuExit {}

    /** A triple fault or a guest power-off. */
    record Shutdown() implements VcpuExit {}

    /** The guest asked for a reset. */
    record SystemReset() implements VcpuExit {}

    /**
     * The hypervisor could not handle the exit.
     *
     * @param suberror the hypervisor's error code: {@link #EMULATION} is an emulation failure
     * @param data the words the hypervisor reported
     * @param instruction the bytes of the instruction at RIP, when they could be read; empty otherwise
     */
    record InternalError(int suberror, long[] data, byte[] instruction) implements VcpuExit {
        public static final int EMULATION = 1;

        public InternalError {
            data = data.clone();
            instruction = instruction.clone();
        }

        @Override
        public long[] data() {
            return data.clone();
        }

        @Override
        public byte[] instruction() {
            return instruction.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof InternalError that
                    && suberror == that.suberror
                    && Arrays.equals(data, that.data)
                    && Arrays.equals(instruction, that.instruction);
        }

        @Override
        public int hashCode() {
            return (31 * suberror + Arrays.hashCode(data)) * 31 + Arrays.hashCode(instruction);
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder("InternalError[suberror=")
                    .append(suberror)
                    .append(suberror == EMULATION ? " (emulation failure)" : "")
                    .append(", instruction=");
            if (instruction.length == 0) text.append("unavailable");
            for (int i = 0; i < instruction.length; i++) {
                text.append(i == 0 ? "" : " ").append(String.format("%02x", instruction[i] & 0xff));
            }
            text.append(", data=[");
            for (int i = 0; i < data.length; i++) {
                text.append(i == 0 ? "" : ", ").append("0x").append(Long.toHexString(data[i]));
            }
            return text.append("]]").toString();
        }
    }

    /** The hardware refused to enter the guest. */
    record FailEntry(long hardwareReason, int cpu) implements VcpuExit {}

    /** A pause or stop interrupted a manual {@link Vcpu#run()} before the guest exited. */
    record Interrupted() implements VcpuExit {}

    /** A system event the hypervisor reports that vmm4j has no case for (a guest crash event, say). */
    record SystemEvent(int type) implements VcpuExit {}

    /** An exit reason this version of vmm4j does not decode. */
    record Unknown(int reason) implements VcpuExit {}
}
