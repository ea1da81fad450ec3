package io.vmm4j.kvm;

import io.vmm4j.jni.Native;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;

/**
 * A native pointer that many threads use and one thread frees. {@link #enter()} holds a read lock
 * until {@link #exit()}, so {@link #free(Runnable)} never releases memory another thread is inside.
 */
final class NativeHandle {
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final String description;
    private long value;

    NativeHandle(long value, String description) {
        this.value = value;
        this.description = description;
    }

    /** The pointer, with the read lock held: call {@link #exit()} in a finally block. */
    long enter() {
        lock.readLock().lock();
        if (value == 0) {
            lock.readLock().unlock();
            throw new IllegalStateException(description + " is closed");
        }
        return value;
    }

    void exit() {
        lock.readLock().unlock();
    }

    /** Runs one native call with the pointer held valid, and checks its result with {@link Native#check}. */
    long call(LongUnaryOperator nativeCall) {
        long handle = enter();
        try {
            return Native.check(nativeCall.applyAsLong(handle));
        } finally {
            exit();
        }
    }

    boolean isFreed() {
        lock.readLock().lock();
        try {
            return value == 0;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Runs {@code release} on the pointer once, after every thread inside has left; later calls do nothing. */
    void free(LongConsumer release) {
        lock.writeLock().lock();
        try {
            if (value == 0) return;
            release.accept(value);
            value = 0;
        } finally {
            lock.writeLock().unlock();
        }
    }
}
