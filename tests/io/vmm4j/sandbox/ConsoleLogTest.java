package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConsoleLogTest {
    @Test
    void textDropsCarriageReturnsAndLastLinesAreTheTail() throws IOException {
        ConsoleLog log = new ConsoleLog();
        log.sink().write("one\r\ntwo\r\nthree\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals("one\ntwo\nthree\n", log.text());
        assertEquals("two\nthree", log.lastLines(2));
        assertEquals("one\ntwo\nthree", log.lastLines(10));
    }

    @Test
    void keepsOnlyTheMostRecentBytes() throws IOException {
        ConsoleLog log = new ConsoleLog();
        byte[] line = "0123456789abcde\n".getBytes(StandardCharsets.US_ASCII);
        int lines = ConsoleLog.CAPACITY / line.length + 100;
        for (int i = 0; i < lines; i++) log.sink().write(line);
        log.sink().write("last\n".getBytes(StandardCharsets.US_ASCII));
        String text = log.text();
        assertEquals(ConsoleLog.CAPACITY, text.length());
        assertTrue(text.endsWith("0123456789abcde\nlast\n"), text.substring(text.length() - 40));
    }

    @Test
    void aStreamFollowsTheLogLiveUntilItEnds() throws Exception {
        ConsoleLog log = new ConsoleLog();
        log.sink().write("early\n".getBytes(StandardCharsets.US_ASCII));
        InputStream stream = log.stream();
        CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        log.sink().write("late\n".getBytes(StandardCharsets.US_ASCII));
        log.end();
        assertEquals("early\nlate\n", reader.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailureTailStartsBeforeTheKernelsPanicLine() throws IOException {
        ConsoleLog log = new ConsoleLog();
        StringBuilder text =
                new StringBuilder("early\ninit says why\n[ 9.1] Kernel panic - not syncing: Attempted to kill init!\n");
        for (int i = 0; i < 60; i++) text.append("[ 9.2] stack line ").append(i).append('\n');
        log.sink().write(text.toString().getBytes(StandardCharsets.US_ASCII));
        String tail = log.failureTail(30);
        assertTrue(tail.startsWith("early\ninit says why\n[ 9.1] Kernel panic"), tail);
        assertTrue(tail.endsWith("stack line 59"), tail);
    }
}
