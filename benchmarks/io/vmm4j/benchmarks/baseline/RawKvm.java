package io.vmm4j.benchmarks.baseline;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The raw C KVM baseline ({@code benchmarks/native/raw_kvm_baseline.h}), bound by JavaCPP. Built
 * into {@code target/test-classes} by the {@code javacpp-build-benchmarks} execution in pom.xml
 * (phase {@code process-test-classes}).
 *
 * <p>Functions return a negative number on failure: {@code -errno}, or
 * {@link #UNEXPECTED_EXIT}{@code - exitReason}; {@link #check(String, long)} turns that into an
 * exception.
 */
@Platform(
        include = {"raw_kvm_baseline.h", "raw_block_baseline.h", "thread_affinity.h", "upcall_loop.h"},
        compiler = "cpp17")
public final class RawKvm {
    static {
        Loader.load();
    }

    public static final int PIO_OUT = 0;
    public static final int PIO_IN = 1;
    public static final int MMIO_WRITE = 2;
    public static final int MMIO_READ = 3;
    public static final long UNEXPECTED_EXIT = -100_000;

    private RawKvm() {}

    /** Forces the JNI library to load (and fail early when it is missing). */
    public static void load() {
        Loader.load();
    }

    public static native long raw_kvm_open(String path);

    /** {@code upcall_loop.h}: elapsed nanoseconds for {@code count} calls of the upcall at {@code upcall}, or -1. */
    public static native long bench_upcall_loop(long upcall, int vcpuKey, int deviceKey, int isWrite, long count);

    public static native void raw_kvm_close(int fd);

    public static native long raw_exit_context_create(
            int kvm, @Cast("const int8_t*") byte[] image, int length, int kind, long target, long memorySize);

    public static native long raw_run_exits(long context, int exits);

    public static native void raw_exit_context_destroy(long context);

    public static native long raw_lifecycle_once(
            int kvm, @Cast("const int8_t*") byte[] image, int length, long memorySize, int port, int exits);

    /** The virtio-blk benchmark's baseline ({@code raw_block_baseline.h}): a context or -errno. */
    public static native long raw_block_open(String path, long bufferBytes);

    /**
     * {@code count} synchronous pread/pwrite requests of {@code bytes}, request i in buffer slot
     * {@code firstSlot + i}; the count, or -errno.
     */
    public static native long raw_block_batch(
            long context, @Cast("const int64_t*") long[] offsets, int count, int bytes, int write, int firstSlot);

    public static native void raw_block_close(long context);

    /** Returns {@code result}, or throws when it is a baseline error code. */
    public static long check(String operation, long result) {
        if (result >= 0) return result;
        if (result <= UNEXPECTED_EXIT) {
            throw new IllegalStateException(operation + ": unexpected KVM exit reason " + (UNEXPECTED_EXIT - result));
        }
        throw new IllegalStateException(operation + " failed: errno " + -result);
    }

    /** Pins the calling thread to {@code cpu} ({@code thread_affinity.h}); 0 or -errno. */
    public static native int bench_pin_current_thread(int cpu);
}
