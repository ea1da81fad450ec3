package io.vmm4j.jni;

import org.bytedeco.javacpp.FunctionPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * Every native call vmm4j makes, bound by JavaCPP to {@code cpp/jni/native_api.h}. Internal: the
 * rest of the code reaches it through {@link Native}, which turns failures into exceptions.
 *
 * <p>Functions returning {@code long} return -1 on failure; the {@code vmm4j_last_error_*} functions
 * then describe the failure on the same thread.
 */
@Platform(value = "linux-x86_64", compiler = "cpp17", include = "jni/native_api.h", link = "vmm4j_core")
public final class NativeCore {
    private NativeCore() {}

    /** Loads the JNI library; throws {@link UnsatisfiedLinkError} or another error when it cannot. */
    static void load() {
        Loader.load();
    }

    // The numbers these functions take and return are in NativeContract, read from the core.

    /** The device upcall from vCPU threads into Java devices; primitive arguments only. */
    public abstract static class IoUpcall extends FunctionPointer {
        static {
            Loader.load();
        }

        protected IoUpcall() {
            allocate();
        }

        private native void allocate();

        /** Returns 0 on success; for reads, stores the value in the vCPU's exit info first. */
        public abstract int call(int vcpuKey, int deviceKey, long address, int size, int isWrite, long data);
    }

    /**
     * The output upcall: {@code length} bytes for sink {@code sinkKey}, copied with {@link
     * #vmm4j_sink_copy} during the call; primitive arguments only.
     */
    public abstract static class SinkUpcall extends FunctionPointer {
        static {
            Loader.load();
        }

        protected SinkUpcall() {
            allocate();
        }

        private native void allocate();

        /** Returns 0 on success, nonzero when the sink failed. */
        public abstract int call(int sinkKey, int length);
    }

    public static native int vmm4j_contract_count();

    public static native String vmm4j_contract_name(int index);

    public static native long vmm4j_contract_value(int index);

    public static native int vmm4j_last_error_kind();

    public static native int vmm4j_last_error_errno();

    public static native String vmm4j_last_error_operation();

    public static native String vmm4j_last_error_message();

    public static native void vmm4j_set_io_upcall(@Cast("vmm4j_io_upcall") IoUpcall upcall);

    public static native void vmm4j_set_sink_upcall(@Cast("vmm4j_sink_upcall") SinkUpcall upcall);

    /** Inside a sink upcall only: copies the output being delivered; returns the byte count. */
    public static native long vmm4j_sink_copy(@Cast("int8_t*") byte[] destination, int capacity);

    public static native long vmm4j_system_open(String devicePath);

    public static native void vmm4j_system_close(long system);

    public static native long vmm4j_system_check_extension(long system, int capability);

    public static native long vmm4j_system_supported_cpuid(
            long system, @Cast("int64_t*") long[] entries, int maxEntries);

    public static native long vmm4j_vm_create(long system);

    public static native void vmm4j_vm_close(long vm);

    public static native long vmm4j_vm_check_extension(long vm, int capability);

    public static native long vmm4j_vm_create_irqchip(long vm, int withPit);

    public static native long vmm4j_vm_set_pit_reinject(long vm, int reinject);

    public static native long vmm4j_vm_set_io_thread_cpus(long vm, @Cast("const int32_t*") int[] cpus, int count);

    public static native long vmm4j_vm_set_irq_line(long vm, int gsi, int level);

    public static native long vmm4j_vm_add_memory(long vm, long guestAddress, long size);

    public static native long vmm4j_vm_add_java_device(long vm, int space, long base, long length, int deviceKey);

    public static native long vmm4j_vm_add_null_device(long vm, int space, long base, long length);

    public static native long vmm4j_vm_add_serial(long vm, int space, long base, int irq, int deviceKey, int sinkKey);

    public static native long vmm4j_serial_enqueue_input(long serial, @Cast("const int8_t*") byte[] bytes, int length);

    public static native long vmm4j_serial_save_state(long serial, @Cast("int8_t*") byte[] buffer, int capacity);

    public static native long vmm4j_serial_restore_state(long serial, @Cast("const int8_t*") byte[] state, int length);

    public static native long vmm4j_vm_pause(long vm, long timeoutMillis);

    public static native long vmm4j_vm_resume(long vm);

    public static native long vmm4j_vm_request_stop(long vm);

    public static native long vmm4j_memory_read(
            long vm, long guestAddress, @Cast("int8_t*") byte[] destination, int offset, int length);

    public static native long vmm4j_memory_write(
            long vm, long guestAddress, @Cast("const int8_t*") byte[] source, int offset, int length);

    public static native long vmm4j_memory_read_value(
            long vm, long guestAddress, int size, @Cast("int64_t*") long[] value);

    public static native long vmm4j_memory_write_value(long vm, long guestAddress, int size, long value);

    public static native long vmm4j_memory_set_dirty_logging(long vm, int enabled);

    public static native long vmm4j_memory_region_count(long vm);

    public static native long vmm4j_memory_region_address(long vm, int index);

    public static native long vmm4j_memory_region_size(long vm, int index);

    public static native long vmm4j_memory_get_dirty_log(
            long vm, int index, @Cast("int64_t*") long[] bitmap, int words);

    // ---- snapshots (cpp/snapshot) ----

    public static native long vmm4j_vm_add_memory_file(
            long vm, long guestAddress, long size, String path, long fileOffset);

    public static native long vmm4j_memory_save(
            long vm, String path, int diff, @Cast("int64_t*") long[] pages, int words);

    public static native long vmm4j_memory_overlay(
            long vm, String path, @Cast("const int64_t*") long[] pages, int words);

    public static native long vmm4j_memory_bitmap_words(long vm);

    public static native long vmm4j_vcpu_save_state(long vm, long vcpu, @Cast("int8_t*") byte[] buffer, int capacity);

    public static native long vmm4j_vcpu_restore_state(
            long vm, long vcpu, @Cast("const int8_t*") byte[] buffer, int length);

    public static native long vmm4j_vm_save_state(long vm, @Cast("int8_t*") byte[] buffer, int capacity);

    public static native long vmm4j_vm_restore_state(
            long vm, @Cast("const int8_t*") byte[] buffer, int length, int advanceClock);

    public static native long vmm4j_vcpu_kvmclock_ctrl(long vcpu);

    public static native long vmm4j_vcpu_create(long vm, int id, int key);

    public static native @Cast("int64_t*") LongPointer vmm4j_vcpu_exit_info(long vcpu);

    public static native long vmm4j_vcpu_run(long vcpu, int mode);

    public static native long vmm4j_vcpu_set_cpuid(long vcpu, @Cast("const int64_t*") long[] entries, int count);

    public static native long vmm4j_vcpu_set_xcr0(long vcpu, long value);

    public static native long vmm4j_vcpu_set_msrs(long vcpu, @Cast("const int64_t*") long[] pairs, int count);

    public static native long vmm4j_vcpu_get_msrs(long vcpu, @Cast("int64_t*") long[] pairs, int count);

    public static native long vmm4j_vcpu_translate(long vcpu, long linearAddress);

    public static native long vmm4j_vcpu_set_fpu_control(long vcpu, int fcw, int mxcsr);

    public static native long vmm4j_vcpu_get_lapic(long vcpu, @Cast("int8_t*") byte[] registers);

    public static native long vmm4j_vcpu_set_lapic(long vcpu, @Cast("const int8_t*") byte[] registers);

    public static native long vmm4j_vcpu_get_regs(long vcpu, @Cast("int64_t*") long[] regs);

    public static native long vmm4j_vcpu_set_regs(long vcpu, @Cast("const int64_t*") long[] regs);

    public static native long vmm4j_vcpu_get_sregs(long vcpu, @Cast("int64_t*") long[] sregs);

    public static native long vmm4j_vcpu_set_sregs(long vcpu, @Cast("const int64_t*") long[] sregs);

    public static native long vmm4j_vcpu_set_io_in_result(long vcpu, long value);

    public static native long vmm4j_vcpu_set_mmio_read_result(long vcpu, long value);

    // ---- virtio devices (cpp/virtio) ----

    /** Builds a virtio device of {@code kind} (cpp/virtio/kinds); see native_api.h. */
    public static native long vmm4j_virtio_add(
            long vm,
            String kind,
            long notifyAddress,
            int gsi,
            int queueMaxSize,
            String path,
            String label,
            @Cast("const int64_t*") long[] numbers,
            int numberCount,
            int outputKey,
            @Cast("int64_t*") long[] results,
            int resultCapacity);

    public static native long vmm4j_virtio_activate(
            long device, @Cast("const int64_t*") long[] queues, int count, long features);

    public static native long vmm4j_virtio_reset(long device);

    public static native long vmm4j_virtio_interrupt_status(long device);

    public static native long vmm4j_virtio_interrupt_ack(long device, int bits);

    public static native long vmm4j_virtio_needs_reset(long device);

    public static native long vmm4j_virtio_failure(long device, @Cast("int8_t*") byte[] buffer, int capacity);

    public static native long vmm4j_virtio_save_state(long device, @Cast("int8_t*") byte[] buffer, int capacity);

    public static native long vmm4j_virtio_restore_state(long device, @Cast("const int8_t*") byte[] state, int length);

    public static native long vmm4j_virtio_console_input(
            long device, @Cast("const int8_t*") byte[] bytes, int offset, int length);

    public static native long vmm4j_virtio_notify(long device, int queue);

    public static native long vmm4j_virtio_wait_interrupt(long device, long timeoutMillis);
}
