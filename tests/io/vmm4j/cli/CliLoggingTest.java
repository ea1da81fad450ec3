package io.vmm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.Test;

/**
 * The CLI's logging in a JVM of its own, on a host whose name does not resolve (a new UTS and network
 * namespace, as in a VM without network): a warning is one line on stderr and nothing else is printed.
 * log4j-core printed "ERROR Could not determine local host name" with a stack trace there.
 */
class CliLoggingTest {
    /** The child JVM: the CLI's logging set-up, then one warning. */
    public static final class Child {
        public static void main(String[] args) {
            Main.configureLogging();
            LogManager.getLogger(CliLoggingTest.class).warn("a warning");
            LogManager.getLogger(CliLoggingTest.class).info("not shown");
        }
    }

    @Test
    void aWarningIsOneLineOnStderrWhenTheHostNameDoesNotResolve() throws Exception {
        assumeTrue(canUnshare(), "needs unshare -un (root) to give the JVM a host name that does not resolve");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        "unshare",
                        "-un",
                        "sh",
                        "-c",
                        "hostname no-such-host.invalid && exec \"$0\" \"$@\"",
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        Child.class.getName())
                .start();
        process.getOutputStream().close();
        assertEquals(true, process.waitFor(60, TimeUnit.SECONDS), "child JVM finished");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), err);
        assertEquals("", out);
        assertEquals("WARN " + CliLoggingTest.class.getSimpleName() + " a warning\n", err);
    }

    private static boolean canUnshare() {
        try {
            Process probe = new ProcessBuilder(List.of("unshare", "-un", "true"))
                    .redirectErrorStream(true)
                    .start();
            probe.getInputStream().readAllBytes();
            return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
