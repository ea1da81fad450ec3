package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent on a tty, as on the guest's /dev/hvc0: a pseudo-terminal whose master a small relay (python3) joins to
 * the client's pipes. Every byte value must cross both ways unchanged, so the agent must have put the tty in raw mode
 * (no CR/LF translation, no echo, no control characters).
 */
@Timeout(60)
class AgentTtyTest {
    private static final String RELAY = """
        import os, pty, select, subprocess, sys, threading, time
        master, slave = pty.openpty()
        agent = subprocess.Popen([sys.argv[1], '--channel', os.ttyname(slave)],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        os.close(slave)  # the agent has its own; the master must be the last thing keeping it up
        done = threading.Event()
        def to_host():
            while not done.is_set():
                if select.select([master], [], [], 0.05)[0]:
                    try:
                        data = os.read(master, 65536)
                    except OSError:  # EIO: no slave open yet (the agent is starting)
                        time.sleep(0.01)
                        continue
                    if not data:
                        return
                    os.write(1, data)
        reader = threading.Thread(target=to_host)
        reader.start()
        while True:
            data = os.read(0, 65536)
            if not data:
                break
            os.write(master, data)
        done.set()
        reader.join()
        os.close(master)  # hang up, as a host that ends the session
        sys.exit(agent.wait())
        """;

    @Test
    void everyByteValueCrossesTheTtyUnchanged() throws Exception {
        Process relay = new ProcessBuilder(
                        "python3", "-c", RELAY, AgentProcess.binary().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try (AgentClient client =
                AgentClient.connect(relay.getInputStream(), relay.getOutputStream(), Duration.ofSeconds(10))) {
            ExecResult tty = client.exec(ExecRequest.of("sh", "-c", "test -t 0 || echo not a tty; echo ok"));
            assertEquals("not a tty\nok\n", tty.stdoutText(), "commands get pipes, not the agent's tty");

            byte[] everyByte = new byte[1024 * 1024];
            for (int i = 0; i < everyByte.length; i++) everyByte[i] = (byte) (i * 7 + i / 256);
            ExecResult cat = client.exec(ExecRequest.builder("cat")
                    .stdin(new ByteArrayInputStream(everyByte))
                    .build());
            assertArrayEquals(everyByte, cat.stdout());

            String path =
                    AgentProcess.binary().getParent().resolve("tty-copy.bin").toString();
            client.putFile(new ByteArrayInputStream(everyByte), path, 0600);
            ByteArrayOutputStream back = new ByteArrayOutputStream();
            client.getFile(path, back);
            assertArrayEquals(everyByte, back.toByteArray());
            client.exec(ExecRequest.of("rm", path));
        } finally {
            List<ProcessHandle> agent = relay.descendants().toList();
            relay.getOutputStream().close();
            boolean ended = relay.waitFor(10, TimeUnit.SECONDS);
            agent.forEach(ProcessHandle::destroyForcibly);
            relay.destroyForcibly();
            assertTrue(ended, "the agent did not end at the hang-up");
            assertEquals(0, relay.exitValue(), "the agent's exit status");
        }
    }
}
