package io.vmm4j.jni;

import java.util.Arrays;

/**
 * The single JavaCPP callback instance shared by every VM: it routes each upcall to the vCPU it came
 * from by key. One instance avoids JavaCPP's cap on live callback objects per class.
 *
 * <p>Keys are indexes into a copy-on-write array, so the hot path is one volatile read and an array
 * load (no hashing, no boxing). A key is reused only after {@link #unregister}, which callers do once
 * no native code can still report it (after the VM's native side is freed).
 */
final class IoUpcallDispatcher extends NativeCore.IoUpcall {
    static final IoUpcallDispatcher INSTANCE = new IoUpcallDispatcher();

    /** Holds a reserved key until its handler is bound; an upcall that reaches it fails. */
    private static final IoUpcallHandler RESERVED = (deviceKey, address, size, isWrite, data) -> 1;

    private volatile IoUpcallHandler[] handlers = new IoUpcallHandler[16];

    private IoUpcallDispatcher() {}

    synchronized int register(IoUpcallHandler handler) {
        IoUpcallHandler[] current = handlers;
        int key = 0;
        while (key < current.length && current[key] != null) key++;
        IoUpcallHandler[] next = Arrays.copyOf(current, key < current.length ? current.length : current.length * 2);
        next[key] = handler == null ? RESERVED : handler;
        handlers = next;
        return key;
    }

    synchronized void bind(int key, IoUpcallHandler handler) {
        IoUpcallHandler[] current = handlers;
        if (key < 0 || key >= current.length || current[key] != RESERVED) {
            throw new IllegalStateException("upcall key " + key + " is not reserved");
        }
        IoUpcallHandler[] next = current.clone();
        next[key] = handler;
        handlers = next;
    }

    synchronized void unregister(int key) {
        IoUpcallHandler[] current = handlers;
        if (key < 0 || key >= current.length || current[key] == null) return;
        IoUpcallHandler[] next = current.clone();
        next[key] = null;
        handlers = next;
    }

    @Override
    public int call(int vcpuKey, int deviceKey, long address, int size, int isWrite, long data) {
        IoUpcallHandler[] table = handlers;
        if (vcpuKey < 0 || vcpuKey >= table.length) return 1;
        IoUpcallHandler handler = table[vcpuKey];
        if (handler == null) return 1;
        try {
            return handler.onAccess(deviceKey, address, size, isWrite != 0, data);
        } catch (Throwable t) {
            // Handlers catch and record their own failures; nothing may unwind into C++.
            return 1;
        }
    }
}
