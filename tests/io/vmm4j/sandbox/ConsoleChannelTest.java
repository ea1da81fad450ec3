package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.VirtioConsole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The byte pipe between the sandbox's agent client and the virtio-console device, without a VM. */
@Timeout(60)
class ConsoleChannelTest {
    /** A device whose input buffer holds {@code capacity} bytes until a "guest" drains it, as the native one does. */
    private static final class FakeConsole implements VirtioConsole {
        private final int capacity;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final ByteArrayOutputStream delivered = new ByteArrayOutputStream();
        int refusals;

        FakeConsole(int capacity) {
            this.capacity = capacity;
        }

        @Override
        public synchronized int sendInput(byte[] bytes, int offset, int length) {
            int accepted = Math.min(length, capacity - pending.size());
            if (accepted < length) refusals++;
            pending.write(bytes, offset, accepted);
            return accepted;
        }

        /** The guest posts receive buffers: what was pending is delivered. */
        synchronized void drain() {
            delivered.writeBytes(pending.toByteArray());
            pending.reset();
        }

        synchronized byte[] delivered() {
            return delivered.toByteArray();
        }
    }

    @Test
    void writesWaitWhileTheDevicesInputBufferIsFullAndArriveInOrder() throws Exception {
        FakeConsole device = new FakeConsole(VirtioConsole.INPUT_CAPACITY);
        ConsoleChannel channel = new ConsoleChannel();
        channel.connect(device);
        byte[] data = new byte[1 << 20];
        new Random(1).nextBytes(data);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                channel.output().write(data);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        while (!writer.isDone()) {
            Thread.sleep(1);
            device.drain();
        }
        writer.get();
        device.drain();
        assertArrayEquals(data, device.delivered());
        assertTrue(device.refusals > 0, "the writer met a full buffer and waited");
    }

    @Test
    void aWriterWaitingOnAFullDeviceFailsWhenTheChannelCloses() throws Exception {
        FakeConsole device = new FakeConsole(16);
        ConsoleChannel channel = new ConsoleChannel();
        channel.connect(device);
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                channel.output().write(new byte[64]);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        channel.close();
        Exception failure = assertThrows(Exception.class, () -> writer.get(10, TimeUnit.SECONDS));
        assertTrue(failure.getCause().getCause() instanceof IOException, failure.toString());
    }

    @Test
    void guestOutputIsReadInOrderAndTheDeviceWaitsWhenTheBufferIsFull() throws Exception {
        ConsoleChannel channel = new ConsoleChannel();
        OutputStream device = channel.deviceOutput();
        byte[] data = new byte[ConsoleChannel.CAPACITY * 2 + 12345];
        new Random(2).nextBytes(data);
        CompletableFuture<Void> guest = CompletableFuture.runAsync(() -> {
            try {
                for (int at = 0; at < data.length; at += 4096) device.write(data, at, Math.min(4096, data.length - at));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertTrue(!guest.isDone(), "the device waits once " + ConsoleChannel.CAPACITY + " bytes are unread");
        assertEquals(ConsoleChannel.CAPACITY, channel.input().available());
        InputStream in = channel.input();
        byte[] read = in.readNBytes(data.length);
        guest.get(10, TimeUnit.SECONDS);
        assertArrayEquals(data, read);
    }

    @Test
    void aReaderSeesTheEndOfTheStreamOnceClosedAndDrained() throws Exception {
        ConsoleChannel channel = new ConsoleChannel();
        channel.deviceOutput().write(new byte[] {1, 2, 3});
        CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return channel.input().readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        channel.close();
        assertArrayEquals(new byte[] {1, 2, 3}, reader.get(10, TimeUnit.SECONDS));
        channel.deviceOutput().write(new byte[] {4}); // dropped, never blocks the I/O thread
        assertEquals(-1, channel.input().read());
    }
}
