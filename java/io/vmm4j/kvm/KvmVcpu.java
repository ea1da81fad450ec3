package io.vmm4j.kvm;

import static io.vmm4j.jni.NativeExitKind.*;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VcpuExit;
import io.vmm4j.api.VmmException;
import io.vmm4j.api.x86.CpuidEntry;
import io.vmm4j.api.x86.DescriptorTable;
import io.vmm4j.api.x86.Register;
import io.vmm4j.api.x86.Registers;
import io.vmm4j.api.x86.Segment;
import io.vmm4j.api.x86.SpecialRegisters;
import io.vmm4j.jni.IoUpcallHandler;
import io.vmm4j.jni.NativeContract;
import io.vmm4j.jni.NativeCore;
import io.vmm4j.jni.NativeExitKind;
import io.vmm4j.vmm.backend.DeviceEndpoint;
import io.vmm4j.vmm.backend.RunEnd;
import io.vmm4j.vmm.backend.VcpuBackend;
import io.vmm4j.vmm.backend.VcpuHost;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A KVM vCPU. Its native object lives as long as the VM's native handle. */
final class KvmVcpu implements VcpuBackend, IoUpcallHandler {
    private static final int SEGMENT_SLOTS = NativeContract.SEGMENT_SLOTS;
    private static final int SEGMENT_COUNT = NativeContract.SEGMENT_COUNT;
    private static final long EMULATION_FLAG_INSTRUCTION_BYTES = 1;
    private static final int MAX_INSTRUCTION_BYTES = 15;

    private final VcpuHost host;
    private final NativeHandle vmHandle;
    private final GuestMemory memory;
    private final int id;
    private final int upcallKey;
    private final long vcpu;
    private final LongBuffer exitInfo;

    KvmVcpu(VcpuHost host, NativeHandle vmHandle, GuestMemory memory, int id, int upcallKey, long vcpu) {
        this.host = host;
        this.vmHandle = vmHandle;
        this.memory = memory;
        this.id = id;
        this.upcallKey = upcallKey;
        this.vcpu = vcpu;
        this.exitInfo = NativeCore.vmm4j_vcpu_exit_info(vcpu)
                .capacity(NativeContract.EXIT_INFO_SLOTS)
                .asBuffer();
    }

    @Override
    public int id() {
        return id;
    }

    /** One native run: in managed mode, returns only when the vCPU must stop. */
    private NativeExitKind runNative(int mode) {
        return NativeExitKind.of(vmHandle.call(handle -> NativeCore.vmm4j_vcpu_run(vcpu, mode)));
    }

    @Override
    public RunEnd runManaged() {
        vmHandle.enter();
        try {
            NativeExitKind kind = runNative(NativeContract.RUN_MANAGED);
            switch (kind) {
                case HALT:
                case STOPPED:
                    return new RunEnd.VcpuEnded();
                case DEVICE_ERROR:
                    return new RunEnd.DeviceFailed(failedDeviceKey());
                case SHUTDOWN:
                    return new RunEnd.StopsVm(StopReason.Kind.SHUTDOWN, decodeExit(kind));
                case SYSTEM_RESET:
                    return new RunEnd.StopsVm(StopReason.Kind.SYSTEM_RESET, decodeExit(kind));
                case INTERNAL_ERROR:
                    return new RunEnd.StopsVm(StopReason.Kind.INTERNAL_ERROR, decodeExit(kind));
                case FAIL_ENTRY:
                    return new RunEnd.StopsVm(StopReason.Kind.FAIL_ENTRY, decodeExit(kind));
                default:
                    return new RunEnd.StopsVm(StopReason.Kind.VCPU_FAILURE, decodeExit(kind));
            }
        } finally {
            vmHandle.exit();
        }
    }

    @Override
    public VcpuExit run() {
        host.beginManualRun();
        // The exit info lives in the native vCPU: decode it before a concurrent close() can free it.
        vmHandle.enter();
        try {
            NativeExitKind kind = runNative(NativeContract.RUN_MANUAL);
            if (kind == DEVICE_ERROR) throw host.failOnDeviceError(id, failedDeviceKey());
            return decodeExit(kind);
        } finally {
            vmHandle.exit();
        }
    }

    /** The exit the native loop reported, from the exit info block; with the VM's handle held. */
    private VcpuExit decodeExit(NativeExitKind kind) {
        switch (kind) {
            case HALT:
                return new VcpuExit.Halt();
            case IO_IN:
                return new VcpuExit.IoIn((int) slot(SLOT_ADDRESS), (int) slot(SLOT_SIZE));
            case IO_OUT:
                return new VcpuExit.IoOut((int) slot(SLOT_ADDRESS), (int) slot(SLOT_SIZE), slot(SLOT_DATA));
            case MMIO_READ:
                return new VcpuExit.MmioRead(slot(SLOT_ADDRESS), (int) slot(SLOT_SIZE));
            case MMIO_WRITE:
                return new VcpuExit.MmioWrite(slot(SLOT_ADDRESS), (int) slot(SLOT_SIZE), slot(SLOT_DATA));
            case SHUTDOWN:
                return new VcpuExit.Shutdown();
            case SYSTEM_RESET:
                return new VcpuExit.SystemReset();
            case INTERNAL_ERROR: {
                long[] data = new long[(int) Math.min(slot(SLOT_DATA_COUNT), EXTRA_DATA_SLOTS)];
                for (int i = 0; i < data.length; i++) data[i] = slot(SLOT_EXTRA_DATA + i);
                int suberror = (int) slot(SLOT_REASON);
                byte[] instruction =
                        suberror == VcpuExit.InternalError.EMULATION ? failedInstruction(data) : new byte[0];
                return new VcpuExit.InternalError(suberror, data, instruction);
            }
            case FAIL_ENTRY:
                return new VcpuExit.FailEntry(slot(SLOT_REASON), (int) slot(SLOT_CPU));
            case SYSTEM_EVENT_OTHER:
                return new VcpuExit.SystemEvent((int) slot(SLOT_REASON));
            case INTERRUPTED:
            case STOPPED:
                return new VcpuExit.Interrupted();
            case UNKNOWN:
            case DEVICE_ERROR:
            default:
                return new VcpuExit.Unknown((int) slot(SLOT_REASON));
        }
    }

    /**
     * The instruction KVM failed to emulate: from the exit itself when KVM supplies the bytes
     * (KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES), else read at RIP through the guest's
     * page tables; empty when neither works (RIP outside RAM, say).
     */
    private byte[] failedInstruction(long[] data) {
        if (data.length >= 3 && (data[0] & EMULATION_FLAG_INSTRUCTION_BYTES) != 0) {
            ByteBuffer words = ByteBuffer.allocate(16)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(data[1])
                    .putLong(data[2]);
            int size = Math.min(words.get(0) & 0xff, MAX_INSTRUCTION_BYTES);
            return Arrays.copyOfRange(words.array(), 1, 1 + size);
        }
        try {
            long rip = registers().get(Register.RIP) + specialRegisters().cs().base();
            long physical = vmHandle.call(handle -> NativeCore.vmm4j_vcpu_translate(vcpu, rip));
            return memory.read(physical, MAX_INSTRUCTION_BYTES);
        } catch (RuntimeException notInRam) {
            return new byte[0];
        }
    }

    /** The key the native core's upcalls find this vCPU by. */
    int upcallKey() {
        return upcallKey;
    }

    private int failedDeviceKey() {
        return (int) slot(NativeExitKind.SLOT_DEVICE_KEY);
    }

    private long slot(int index) {
        return exitInfo.get(index);
    }

    @Override
    public int onAccess(int deviceKey, long address, int size, boolean isWrite, long data) {
        if (deviceKey < 0) {
            host.reportUnclaimed(
                    deviceKey == NativeContract.UNCLAIMED_PIO_KEY ? AddressSpace.PIO : AddressSpace.MMIO,
                    address,
                    size,
                    isWrite);
            return 0;
        }
        DeviceEndpoint device = host.device(deviceKey);
        try {
            if (isWrite) {
                device.write(address, size, data);
            } else {
                exitInfo.put(SLOT_UPCALL_VALUE, device.read(address, size));
            }
            return 0;
        } catch (Throwable t) {
            host.recordDeviceFailure(id, device, isWrite, address, t);
            return 1;
        }
    }

    @Override
    public void setCpuid(List<CpuidEntry> entries) {
        long[] slots = new long[entries.size() * NativeContract.CPUID_ENTRY_SLOTS];
        for (int i = 0; i < entries.size(); i++) entries.get(i).toSlots(slots, i * NativeContract.CPUID_ENTRY_SLOTS);
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_cpuid(vcpu, slots, entries.size()));
    }

    @Override
    public void setXcr0(long value) {
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_xcr0(vcpu, value));
    }

    @Override
    public Registers registers() {
        long[] values = new long[NativeContract.REGS_SLOTS];
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_get_regs(vcpu, values));
        return Registers.of(values);
    }

    @Override
    public void setRegisters(Registers registers) {
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_regs(vcpu, registers.toArray()));
    }

    @Override
    public SpecialRegisters specialRegisters() {
        long[] s = new long[NativeContract.SREGS_SLOTS];
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_get_sregs(vcpu, s));
        Segment[] segments = new Segment[SEGMENT_COUNT];
        for (int i = 0; i < SEGMENT_COUNT; i++) segments[i] = unpackSegment(s, i * SEGMENT_SLOTS);
        int rest = SEGMENT_COUNT * SEGMENT_SLOTS;
        return new SpecialRegisters(
                segments[0],
                segments[1],
                segments[2],
                segments[3],
                segments[4],
                segments[5],
                segments[6],
                segments[7],
                new DescriptorTable(s[rest], (int) s[rest + 1]),
                new DescriptorTable(s[rest + 2], (int) s[rest + 3]),
                s[rest + 4],
                s[rest + 5],
                s[rest + 6],
                s[rest + 7],
                s[rest + 8],
                s[rest + 9],
                s[rest + 10]);
    }

    @Override
    public void setSpecialRegisters(SpecialRegisters r) {
        long[] s = new long[NativeContract.SREGS_SLOTS];
        Segment[] segments = {r.cs(), r.ds(), r.es(), r.fs(), r.gs(), r.ss(), r.tr(), r.ldt()};
        for (int i = 0; i < SEGMENT_COUNT; i++) packSegment(segments[i], s, i * SEGMENT_SLOTS);
        int rest = SEGMENT_COUNT * SEGMENT_SLOTS;
        s[rest] = r.gdt().base();
        s[rest + 1] = r.gdt().limit();
        s[rest + 2] = r.idt().base();
        s[rest + 3] = r.idt().limit();
        s[rest + 4] = r.cr0();
        s[rest + 5] = r.cr2();
        s[rest + 6] = r.cr3();
        s[rest + 7] = r.cr4();
        s[rest + 8] = r.cr8();
        s[rest + 9] = r.efer();
        s[rest + 10] = r.apicBase();
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_sregs(vcpu, s));
    }

    // The bit positions come from the native contract (pack_segment_attributes() in native_api.cpp).
    private static Segment unpackSegment(long[] s, int at) {
        long a = s[at + 2];
        return new Segment(
                s[at],
                (int) s[at + 1],
                (int) (a & 0xffff),
                (int) ((a >> NativeContract.SEGMENT_TYPE_SHIFT) & 0xf),
                bit(a, NativeContract.SEGMENT_PRESENT_BIT),
                (int) ((a >> NativeContract.SEGMENT_DPL_SHIFT) & 3),
                bit(a, NativeContract.SEGMENT_DB_BIT),
                bit(a, NativeContract.SEGMENT_SYSTEM_BIT),
                bit(a, NativeContract.SEGMENT_LONG_BIT),
                bit(a, NativeContract.SEGMENT_GRANULARITY_BIT),
                bit(a, NativeContract.SEGMENT_AVAILABLE_BIT),
                bit(a, NativeContract.SEGMENT_UNUSABLE_BIT));
    }

    private static void packSegment(Segment g, long[] s, int at) {
        s[at] = g.base();
        s[at + 1] = Integer.toUnsignedLong(g.limit());
        s[at + 2] = (g.selector() & 0xffffL)
                | (long) (g.type() & 0xf) << NativeContract.SEGMENT_TYPE_SHIFT
                | flag(g.present(), NativeContract.SEGMENT_PRESENT_BIT)
                | (long) (g.dpl() & 3) << NativeContract.SEGMENT_DPL_SHIFT
                | flag(g.db(), NativeContract.SEGMENT_DB_BIT)
                | flag(g.system(), NativeContract.SEGMENT_SYSTEM_BIT)
                | flag(g.longMode(), NativeContract.SEGMENT_LONG_BIT)
                | flag(g.granularity(), NativeContract.SEGMENT_GRANULARITY_BIT)
                | flag(g.available(), NativeContract.SEGMENT_AVAILABLE_BIT)
                | flag(g.unusable(), NativeContract.SEGMENT_UNUSABLE_BIT);
    }

    private static boolean bit(long value, int position) {
        return ((value >> position) & 1) != 0;
    }

    private static long flag(boolean value, int position) {
        return value ? 1L << position : 0;
    }

    @Override
    public Map<Integer, Long> readMsrs(int... indices) {
        long[] pairs = new long[indices.length * 2];
        for (int i = 0; i < indices.length; i++) pairs[2 * i] = Integer.toUnsignedLong(indices[i]);
        int read = (int) vmHandle.call(handle -> NativeCore.vmm4j_vcpu_get_msrs(vcpu, pairs, indices.length));
        if (read < indices.length) throw refusedMsr("KVM_GET_MSRS", indices[read]);
        Map<Integer, Long> values = new LinkedHashMap<>();
        for (int i = 0; i < indices.length; i++) values.put(indices[i], pairs[2 * i + 1]);
        return values;
    }

    @Override
    public void writeMsrs(Map<Integer, Long> values) {
        long[] pairs = new long[values.size() * 2];
        int[] indices = new int[values.size()];
        int i = 0;
        for (Map.Entry<Integer, Long> entry : values.entrySet()) {
            indices[i] = entry.getKey();
            pairs[2 * i] = Integer.toUnsignedLong(entry.getKey());
            pairs[2 * i + 1] = entry.getValue();
            i++;
        }
        int written = (int) vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_msrs(vcpu, pairs, indices.length));
        if (written < indices.length) throw refusedMsr("KVM_SET_MSRS", indices[written]);
    }

    private VmmException refusedMsr(String ioctl, int index) {
        return new VmmException(
                ioctl,
                0,
                ioctl + " on " + this + " stopped at MSR 0x" + Integer.toHexString(index)
                        + ", which KVM does not accept");
    }

    @Override
    public void setFpuControl(int fcw, int mxcsr) {
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_fpu_control(vcpu, fcw, mxcsr));
    }

    @Override
    public byte[] localApicState() {
        byte[] registers = new byte[NativeContract.LAPIC_SIZE];
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_get_lapic(vcpu, registers));
        return registers;
    }

    @Override
    public void setLocalApicState(byte[] registers) {
        if (registers.length != NativeContract.LAPIC_SIZE) {
            throw new IllegalArgumentException(
                    "a local APIC page is " + NativeContract.LAPIC_SIZE + " bytes, not " + registers.length);
        }
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_lapic(vcpu, registers));
    }

    @Override
    public void setIoInResult(long value) {
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_io_in_result(vcpu, value));
    }

    @Override
    public void setMmioReadResult(long value) {
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_set_mmio_read_result(vcpu, value));
    }

    /** This paused vCPU's KVM state as the native core's records (cpp/snapshot/kvm_state.h). */
    @Override
    public byte[] saveState() {
        return KvmVm.nativeState((buffer, capacity) ->
                vmHandle.call(handle -> NativeCore.vmm4j_vcpu_save_state(handle, vcpu, buffer, capacity)));
    }

    @Override
    public void restoreState(byte[] state) {
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_restore_state(handle, vcpu, state, state.length));
    }

    /** KVM_KVMCLOCK_CTRL; a guest that does not use kvmclock needs nothing. */
    @Override
    public void notifyResumedFromSnapshot() {
        vmHandle.call(handle -> NativeCore.vmm4j_vcpu_kvmclock_ctrl(vcpu));
    }

    @Override
    public String toString() {
        return "vCPU " + id;
    }
}
