package io.vmm4j.testing;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** A console sink that keeps everything written and lets a test wait for some text to appear. */
public final class ConsoleCapture extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        notifyAll();
    }

    /** Everything so far, with the serial line's carriage returns removed. */
    public synchronized String text() {
        return bytes.toString(StandardCharsets.ISO_8859_1).replace("\r", "");
    }

    /** Waits until {@code expected} has been printed; false on timeout. */
    public boolean await(String expected, Duration timeout) throws InterruptedException {
        return awaitText(expected, timeout);
    }

    /** Waits until a whole line (ended by a newline) containing {@code expected} has been printed. */
    public boolean awaitLine(String expected, Duration timeout) throws InterruptedException {
        return awaitText(expected, timeout) && awaitText(expected, "\n", timeout);
    }

    /** Polls {@code condition} until it holds; on timeout fails naming {@code what}, with everything printed. */
    public void awaitCondition(BooleanSupplier condition, String what, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what + ": " + text());
            Thread.sleep(2);
        }
    }

    private synchronized boolean awaitText(String expected, Duration timeout) throws InterruptedException {
        return awaitText(expected, "", timeout);
    }

    /** Waits until {@code expected} followed, somewhere after it, by {@code then} has been printed. */
    private synchronized boolean awaitText(String expected, String then, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!containsInOrder(text(), expected, then)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) return false;
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    private static boolean containsInOrder(String text, String first, String then) {
        int at = text.indexOf(first);
        return at >= 0 && text.indexOf(then, at + first.length()) >= 0;
    }
}
