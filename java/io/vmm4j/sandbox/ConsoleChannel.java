package io.vmm4j.sandbox;

import io.vmm4j.api.VirtioConsole;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The agent's byte stream over a virtio-console port, as a pair of ordinary Java streams.
 *
 * <p><b>Guest to host.</b> The device writes what the guest transmits into {@link #deviceOutput()}, on
 * the VM's native I/O thread. It goes into a buffer that {@link #input()} reads. The buffer is bounded
 * ({@link #CAPACITY}): when it is full the I/O thread waits, so the guest's transmit queue fills and the
 * guest's writer blocks, which is backpressure. The agent protocol's windows keep the buffer far below
 * that bound; the host reads it on one thread that never waits for the guest.
 *
 * <p><b>Host to guest.</b> {@link #output()} hands bytes to {@link VirtioConsole#sendInput}, which
 * buffers up to {@link VirtioConsole#INPUT_CAPACITY} natively and delivers them as the guest posts
 * receive buffers. When it accepts fewer than offered, the writer waits (backing off from 50 µs to 5 ms:
 * the device has no event for "space again") and offers the rest, until the channel is closed.
 */
final class ConsoleChannel implements AutoCloseable {
    /** The most bytes from the guest held before the I/O thread waits. */
    static final int CAPACITY = 2 << 20;

    private static final long MIN_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final byte[] ring = new byte[CAPACITY];
    private int head; // next byte to read
    private int size;
    private boolean closed;
    private volatile VirtioConsole console;

    private final OutputStream deviceOutput = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            fromGuest(bytes, offset, length);
        }
    };

    private final InputStream input = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            return toHost(bytes, offset, length);
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return size;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            ConsoleChannel.this.close();
        }
    };

    private final OutputStream output = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            toGuest(bytes, offset, length);
        }

        @Override
        public void close() {
            ConsoleChannel.this.close();
        }
    };

    /** The sink to give the device ({@link io.vmm4j.api.VirtioDeviceConfig.Console}). */
    OutputStream deviceOutput() {
        return deviceOutput;
    }

    /** Connects the host-to-guest direction, once the VM (and so the device) exists. */
    void connect(VirtioConsole console) {
        this.console = console;
    }

    /** What the guest sent; end of stream once {@link #close()} was called and the buffer is drained. */
    InputStream input() {
        return input;
    }

    /** To the guest; writes block while the device's input buffer is full. */
    OutputStream output() {
        return output;
    }

    /** Ends both directions: a blocked reader sees end of stream once the buffer is empty, a writer an IOException. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void fromGuest(byte[] bytes, int offset, int length) throws IOException {
        lock.lock();
        try {
            while (length > 0) {
                while (size == CAPACITY && !closed) changed.awaitUninterruptibly();
                if (closed) return; // nobody will read it: drop, never block the I/O thread again
                int tail = (head + size) % CAPACITY;
                int chunk = Math.min(length, Math.min(CAPACITY - size, CAPACITY - tail));
                System.arraycopy(bytes, offset, ring, tail, chunk);
                size += chunk;
                offset += chunk;
                length -= chunk;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    private int toHost(byte[] bytes, int offset, int length) throws IOException {
        if (length == 0) return 0;
        lock.lock();
        try {
            while (size == 0 && !closed) changed.await();
            if (size == 0) return -1;
            int chunk = Math.min(length, Math.min(size, CAPACITY - head));
            System.arraycopy(ring, head, bytes, offset, chunk);
            head = (head + chunk) % CAPACITY;
            size -= chunk;
            changed.signalAll();
            return chunk;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading from the guest");
        } finally {
            lock.unlock();
        }
    }

    private void toGuest(byte[] bytes, int offset, int length) throws IOException {
        VirtioConsole target = console;
        if (target == null) throw new IOException("the console is not connected yet");
        long backoff = MIN_BACKOFF_NANOS;
        while (length > 0) {
            if (isClosed()) throw new IOException("the sandbox's channel is closed");
            int accepted;
            try {
                accepted = target.sendInput(bytes, offset, length);
            } catch (RuntimeException e) { // the VM was closed under the writer
                throw new IOException("the sandbox's console is gone: " + e.getMessage(), e);
            }
            offset += accepted;
            length -= accepted;
            if (accepted > 0) {
                backoff = MIN_BACKOFF_NANOS;
            } else {
                LockSupport.parkNanos(backoff);
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while writing to the guest");
                }
                backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
            }
        }
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
