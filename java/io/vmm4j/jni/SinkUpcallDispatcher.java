package io.vmm4j.jni;

import java.util.Arrays;

/**
 * The single JavaCPP callback for device output, shared by every VM: it copies the bytes the core
 * announces (through {@link NativeCore#vmm4j_sink_copy}, bounded by the length it was told) and
 * hands them to the sink's handler. Keys are indexes into a copy-on-write array, as in {@link
 * IoUpcallDispatcher}.
 */
final class SinkUpcallDispatcher extends NativeCore.SinkUpcall {
    static final SinkUpcallDispatcher INSTANCE = new SinkUpcallDispatcher();

    // Output comes from vCPU threads and I/O threads; each copies into its own buffer.
    private static final ThreadLocal<byte[]> BUFFER =
            ThreadLocal.withInitial(() -> new byte[NativeContract.SINK_CHUNK_BYTES]);

    private volatile OutputSinkHandler[] handlers = new OutputSinkHandler[16];

    private SinkUpcallDispatcher() {}

    synchronized int register(OutputSinkHandler handler) {
        OutputSinkHandler[] current = handlers;
        int key = 0;
        while (key < current.length && current[key] != null) key++;
        OutputSinkHandler[] next = Arrays.copyOf(current, key < current.length ? current.length : current.length * 2);
        next[key] = handler;
        handlers = next;
        return key;
    }

    synchronized void unregister(int key) {
        OutputSinkHandler[] current = handlers;
        if (key < 0 || key >= current.length || current[key] == null) return;
        OutputSinkHandler[] next = current.clone();
        next[key] = null;
        handlers = next;
    }

    @Override
    public int call(int sinkKey, int length) {
        OutputSinkHandler[] table = handlers;
        if (sinkKey < 0 || sinkKey >= table.length || table[sinkKey] == null) return 1;
        try {
            byte[] buffer = BUFFER.get();
            if (length < 0 || length > buffer.length) return 1;
            if (NativeCore.vmm4j_sink_copy(buffer, length) != length) return 1;
            return table[sinkKey].onOutput(buffer, length);
        } catch (Throwable t) {
            // Handlers catch and report their own failures; nothing may unwind into C++.
            return 1;
        }
    }
}
