package io.vmm4j.testing.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Bounds every test: one that runs past its bound gets every thread's stack printed (Java, then native through
 * gdb where it exists), and the JVM is halted, so a run never hangs silently. A guest stuck in KVM_RUN or a
 * native lock cannot be interrupted, so halting is the only way to get the rest of the run back.
 *
 * <p>Registered through {@code META-INF/services}, so it bounds surefire's runs and the nested-VM launcher's
 * alike. The bound is {@value #DEFAULT_BOUND_SECONDS} s, or the system property {@value #BOUND_PROPERTY}, or a
 * test's own {@link Timeout} plus a minute when that is longer.
 */
public final class TestBound implements TestExecutionListener {
    public static final String BOUND_PROPERTY = "vmm4j.test.bound";
    public static final int HALT_STATUS = 70; // EX_SOFTWARE: apart from the nested VM's 124 and 125
    private static final long DEFAULT_BOUND_SECONDS = 300;
    private static final List<BiConsumer<TestIdentifier, String>> LAST_WORDS = new CopyOnWriteArrayList<>();

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "vmm4j-test-bound");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, ScheduledFuture<?>> running = new ConcurrentHashMap<>();

    /** Runs {@code action} with the test and the thread dump just before a bound halts the JVM. */
    public static void beforeHalt(BiConsumer<TestIdentifier, String> action) {
        LAST_WORDS.add(action);
    }

    @Override
    public void executionStarted(TestIdentifier test) {
        if (!test.isTest()) return;
        Duration bound = boundOf(test);
        running.put(
                test.getUniqueId(), timer.schedule(() -> expire(test, bound), bound.toMillis(), TimeUnit.MILLISECONDS));
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        ScheduledFuture<?> bound = running.remove(test.getUniqueId());
        if (bound != null) bound.cancel(false);
    }

    static Duration boundOf(TestIdentifier test) {
        Duration bound = Duration.ofSeconds(Long.getLong(BOUND_PROPERTY, DEFAULT_BOUND_SECONDS));
        Optional<Timeout> own = test.getSource()
                .filter(MethodSource.class::isInstance)
                .map(MethodSource.class::cast)
                .flatMap(TestBound::timeoutOf);
        if (own.isPresent()) {
            Duration declared = Duration.of(own.get().value(), own.get().unit().toChronoUnit())
                    .plusMinutes(1);
            if (declared.compareTo(bound) > 0) bound = declared;
        }
        return bound;
    }

    private static Optional<Timeout> timeoutOf(MethodSource source) {
        try {
            Class<?> type = source.getJavaClass();
            Timeout onMethod = source.getJavaMethod().getAnnotation(Timeout.class);
            return Optional.ofNullable(onMethod != null ? onMethod : type.getAnnotation(Timeout.class));
        } catch (RuntimeException e) { // a method that cannot be resolved has no declared timeout
            return Optional.empty();
        }
    }

    private static void expire(TestIdentifier test, Duration bound) {
        // Java stacks first: they need nothing outside this JVM, and gdb may be slow or missing.
        String dump = "vmm4j: " + test.getLegacyReportingName() + " (" + test.getUniqueId() + ") ran past its bound of "
                + bound.toSeconds() + " s; every thread's stack follows, then the JVM halts\n" + javaStacks();
        System.err.print(dump);
        System.err.flush();
        String nativeStacks = "--- native threads ---\n" + nativeStacks();
        System.err.print(nativeStacks);
        dump += nativeStacks;
        for (BiConsumer<TestIdentifier, String> action : LAST_WORDS) {
            try {
                action.accept(test, dump);
            } catch (RuntimeException e) {
                System.err.println("vmm4j: a last-words action failed: " + e);
            }
        }
        System.err.flush();
        Runtime.getRuntime().halt(HALT_STATUS);
    }

    /** Every Java thread with its locks. */
    static String javaStacks() {
        StringBuilder dump = new StringBuilder("--- Java threads ---\n");
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            dump.append(fullStack(thread));
        }
        return dump.toString();
    }

    private static String fullStack(ThreadInfo thread) {
        // ThreadInfo.toString() stops after eight frames.
        String header = '"' + thread.getThreadName() + "\" tid=" + thread.getThreadId() + ' ' + thread.getThreadState()
                + (thread.getLockName() != null ? " on " + thread.getLockName() : "") + '\n';
        return header
                + List.of(thread.getStackTrace()).stream()
                        .map(frame -> "\tat " + frame + '\n')
                        .collect(Collectors.joining())
                + '\n';
    }

    private static String nativeStacks() {
        long pid = ProcessHandle.current().pid();
        try {
            Path output = Files.createTempFile("vmm4j-native-stacks", ".txt");
            try {
                // gdb stops every thread of this JVM, the one waiting for it included. A gdb killed while
                // they are stopped would leave them stopped, so a shell outside the JVM bounds gdb and then
                // continues the JVM.
                Process gdb = new ProcessBuilder(
                                "sh",
                                "-c",
                                "timeout -s KILL 120 gdb -q -batch -p \"$0\" -ex 'thread apply all bt' || echo \"(gdb"
                                        + " failed or ran past 120 s: status $?)\"; kill -CONT \"$0\"",
                                Long.toString(pid))
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
                if (!gdb.waitFor(180, TimeUnit.SECONDS)) return "(gdb did not finish within 180 s)\n";
                return Files.readString(output, StandardCharsets.UTF_8);
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return "(no native stacks: gdb could not be run: " + e.getMessage() + ")\n" + kernelWaitChannels(pid);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted while gdb ran)\n";
        }
    }

    /** Without gdb: what each thread waits on in the kernel. */
    private static String kernelWaitChannels(long pid) {
        StringBuilder channels = new StringBuilder();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks.sorted()::iterator) {
                channels.append(task.getFileName())
                        .append(' ')
                        .append(readQuietly(task.resolve("comm")))
                        .append(" wchan=")
                        .append(readQuietly(task.resolve("wchan")))
                        .append('\n');
            }
        } catch (IOException e) {
            channels.append("(cannot list /proc/")
                    .append(pid)
                    .append("/task: ")
                    .append(e.getMessage())
                    .append(")\n");
        }
        return channels.toString();
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
