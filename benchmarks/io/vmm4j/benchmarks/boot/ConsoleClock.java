package io.vmm4j.benchmarks.boot;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A console sink that timestamps, with {@link System#nanoTime()}, the first byte, the first end of
 * line, and the end of the first line containing a marker. It keeps the first 64 KiB for error
 * messages. Written by a vCPU thread (vmm4j's COM1) or by the reader of QEMU's stdout.
 */
final class ConsoleClock extends OutputStream {
    private static final int KEPT = 64 << 10;

    private final String marker;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final StringBuilder line = new StringBuilder();
    private long firstByte = -1;
    private long firstNewline = -1;
    private long markerLine = -1;
    private String firstLine;

    /** @param marker text that the awaited line contains, e.g. "Linux version " */
    ConsoleClock(String marker) {
        this.marker = marker;
    }

    @Override
    public synchronized void write(int b) {
        long now = System.nanoTime();
        if (firstByte < 0) firstByte = now;
        if (kept.size() < KEPT) kept.write(b);
        if (b == '\n') {
            if (firstNewline < 0) {
                firstNewline = now;
                firstLine = line.toString();
            }
            if (markerLine < 0 && line.indexOf(marker) >= 0) {
                markerLine = now;
                notifyAll();
            }
            line.setLength(0);
        } else if (b != '\r' && line.length() < 4096) {
            line.append((char) (b & 0xff));
        }
    }

    /** Waits up to {@code millis} for the marker line to end; its nanoTime, or -1. */
    synchronized long awaitMarkerLine(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (markerLine < 0) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) break;
            wait(left);
        }
        return markerLine;
    }

    synchronized long firstByte() {
        return firstByte;
    }

    synchronized long firstNewline() {
        return firstNewline;
    }

    /** The first line (without its end of line), or null before it has ended. */
    synchronized String firstLine() {
        return firstLine;
    }

    synchronized String text() {
        return kept.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
    }
}
