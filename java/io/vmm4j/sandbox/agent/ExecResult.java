package io.vmm4j.sandbox.agent;

import java.nio.charset.StandardCharsets;

/** A finished command: how it ended and everything it wrote. */
public record ExecResult(ExitStatus status, byte[] stdout, byte[] stderr) {
    public int exitCode() {
        return status.exitCode();
    }

    public boolean timedOut() {
        return status.timedOut();
    }

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ExecResult[" + status + ", stdout " + stdout.length + " bytes, stderr " + stderr.length + " bytes]";
    }
}
