package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.agent.wire.FrameReader;
import io.vmm4j.sandbox.agent.wire.FrameType;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The agent as PID 1, in a PID namespace of its own (unshare), as it runs as a guest's init: it reaps the orphans of
 * its commands, and a protocol error does not make it exit (init must not). Killing unshare kills the namespace. A
 * user namespace (--map-root-user) lets it run without root.
 */
@Timeout(60)
class AgentInitTest {
    private static final String[] AS_INIT = {
        "unshare", "--map-root-user", "--pid", "--fork", "--kill-child", "--mount-proc"
    };

    @Test
    void initReapsOrphans() throws Exception {
        Process process = AgentProcess.startRaw(AS_INIT);
        try (AgentClient client =
                AgentClient.connect(process.getInputStream(), process.getOutputStream(), Duration.ofSeconds(10))) {
            assertEquals(
                    "vmm4j-agent",
                    client.exec(ExecRequest.of("sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline"))
                            .stdoutText()
                            .split(" ")[0]
                            .replaceAll(".*/", ""));
            // The background sleep outlives its shell, so init inherits it and must reap it when it ends.
            assertEquals(
                    0,
                    client.exec(ExecRequest.of("sh", "-c", "sleep 0.2 >/dev/null 2>&1 & exit 0"))
                            .exitCode());
            Thread.sleep(600);
            String states = client.exec(ExecRequest.of("sh", "-c", "cat /proc/[0-9]*/stat"))
                    .stdoutText();
            assertFalse(
                    Arrays.stream(states.split("\n"))
                            .anyMatch(line ->
                                    line.substring(line.lastIndexOf(')')).startsWith(") Z")),
                    "a zombie is left:\n" + states);
        } finally {
            process.destroyForcibly(); // unshare passes SIGTERM on, and init ignores it; SIGKILL ends the namespace
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void initSurvivesAProtocolError() throws Exception {
        Process process = AgentProcess.startRaw(AS_INIT);
        try {
            FrameReader frames = new FrameReader(process.getInputStream());
            assertEquals(FrameType.HELLO, frames.read().type());
            process.getOutputStream().write("not a frame at all".getBytes());
            process.getOutputStream().flush();
            assertEquals(FrameType.ERROR, frames.read().type());
            assertFalse(process.waitFor(500, TimeUnit.MILLISECONDS), "init exited after a protocol error");
        } finally {
            process.destroyForcibly(); // unshare passes SIGTERM on, and init ignores it; SIGKILL ends the namespace
            assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        }
    }
}
