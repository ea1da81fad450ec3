package io.vmm4j.sandbox.agent;

/**
 * How a command ended: its exit code, or the signal that killed it ({@link #exitCode} is then 128 + signal, as a
 * shell reports it), and whether the agent killed it for running past its timeout.
 */
public record ExitStatus(int exitCode, int signal, boolean timedOut) {
    public static ExitStatus exited(int code, boolean timedOut) {
        return new ExitStatus(code, 0, timedOut);
    }

    public static ExitStatus killed(int signal, boolean timedOut) {
        return new ExitStatus(128 + signal, signal, timedOut);
    }

    public boolean success() {
        return exitCode == 0;
    }
}
