package io.vmm4j.jni;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The single JavaCPP callback instance shared by every VM: it routes each upcall to the vCPU it came
 * from by key. One instance avoids JavaCPP's cap on live callback objects per class.
 */
final class IoUpcallDispatcher extends NativeCore.IoUpcall {
    static final IoUpcallDispatcher INSTANCE = new IoUpcallDispatcher();

    private final ConcurrentHashMap<Integer, IoUpcallHandler> handlers = new ConcurrentHashMap<>();
    private final AtomicInteger nextKey = new AtomicInteger();

    private IoUpcallDispatcher() {}

    int register(IoUpcallHandler handler) {
        for (;;) {
            int key = nextKey.getAndIncrement() & Integer.MAX_VALUE;
            if (handlers.putIfAbsent(key, handler) == null) return key;
        }
    }

    void unregister(int key) {
        handlers.remove(key);
    }

    @Override
    public int call(int vcpuKey, int deviceKey, long address, int size, int isWrite, long data) {
        IoUpcallHandler handler = handlers.get(vcpuKey);
        if (handler == null) return 1;
        try {
            return handler.onAccess(deviceKey, address, size, isWrite != 0, data);
        } catch (Throwable t) {
            // Handlers catch and record their own failures; nothing may unwind into C++.
            return 1;
        }
    }
}
