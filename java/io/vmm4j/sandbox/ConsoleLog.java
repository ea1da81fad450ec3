package io.vmm4j.sandbox;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The guest's serial console (COM1): the kernel's log and init's messages. Keeps the last {@link
 * #CAPACITY} bytes, so a chatty guest cannot grow the host's heap; {@link #text()} is what is kept,
 * {@link #stream()} follows it live.
 */
public final class ConsoleLog {
    /** The most recent bytes kept. */
    public static final int CAPACITY = 1 << 20;

    private static final String PANIC = "Kernel panic - not syncing";
    private static final int MAX_FAILURE_LINES = 150;

    private final byte[] ring = new byte[CAPACITY];
    private long written; // total bytes ever written; the ring holds the last min(written, CAPACITY)
    private boolean ended;

    private final OutputStream sink = new OutputStream() {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            append(bytes, offset, length);
        }
    };

    /** Where the serial port writes. */
    OutputStream sink() {
        return sink;
    }

    private synchronized void append(byte[] bytes, int offset, int length) {
        for (int i = 0; i < length; i++) ring[(int) ((written + i) % CAPACITY)] = bytes[offset + i];
        written += length;
        notifyAll();
    }

    /** Ends every {@link #stream()} once it has read what is kept. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** Everything kept, with the serial line's carriage returns removed. */
    public String text() {
        return new String(bytesFrom(0), StandardCharsets.ISO_8859_1).replace("\r", "");
    }

    /** The last {@code count} lines kept, joined with newlines. */
    public String lastLines(int count) {
        List<String> lines = text().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    /**
     * What to show with a failure: the last {@code count} lines, and when the kernel panicked, everything
     * from a few lines before its panic line (the dump after it is long, and the cause comes before).
     */
    public String failureTail(int count) {
        List<String> lines = text().lines().toList();
        int from = Math.max(0, lines.size() - count);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(PANIC)) {
                from = Math.min(from, Math.max(0, Math.max(i - 5, lines.size() - MAX_FAILURE_LINES)));
                break;
            }
        }
        return String.join("\n", lines.subList(from, lines.size()));
    }

    /**
     * The log from the oldest byte kept, then live as the guest prints, until the sandbox is closed.
     * A reader that falls more than {@link #CAPACITY} bytes behind skips what was dropped.
     */
    public InputStream stream() {
        return new InputStream() {
            private long position = oldest();

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] bytes, int offset, int length) throws IOException {
                if (length == 0) return 0;
                synchronized (ConsoleLog.this) {
                    try {
                        while (position == written && !ended) ConsoleLog.this.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for the console");
                    }
                    position = Math.max(position, oldest());
                    if (position == written) return -1;
                    int count = (int) Math.min(length, written - position);
                    for (int i = 0; i < count; i++) bytes[offset + i] = ring[(int) ((position + i) % CAPACITY)];
                    position += count;
                    return count;
                }
            }
        };
    }

    private synchronized long oldest() {
        return Math.max(0, written - CAPACITY);
    }

    private synchronized byte[] bytesFrom(long from) {
        long start = Math.max(from, oldest());
        byte[] copy = new byte[(int) (written - start)];
        for (int i = 0; i < copy.length; i++) copy[i] = ring[(int) ((start + i) % CAPACITY)];
        return copy;
    }
}
