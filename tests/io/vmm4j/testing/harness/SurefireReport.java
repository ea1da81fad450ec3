package io.vmm4j.testing.harness;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Writes one surefire-format {@code TEST-<class>.xml} per test class as soon as the class finishes, so that a run
 * cut short (a halted JVM, a killed guest) keeps the reports of every class that finished before it.
 */
final class SurefireReport implements TestExecutionListener {
    private record Case(String name, double seconds, String outcome, String message, String detail) {}

    private final Path directory;
    private final Map<String, List<Case>> cases = new LinkedHashMap<>();
    private final Map<String, Long> started = new LinkedHashMap<>();
    private TestPlan plan;
    int passed;
    int failed;
    int skipped;

    SurefireReport(Path directory) {
        this.directory = directory;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public synchronized void executionStarted(TestIdentifier test) {
        started.put(test.getUniqueId(), System.nanoTime());
    }

    @Override
    public synchronized void executionSkipped(TestIdentifier test, String reason) {
        List<TestIdentifier> tests = new ArrayList<>();
        if (test.isTest()) tests.add(test);
        plan.getDescendants(test).stream().filter(TestIdentifier::isTest).forEach(tests::add);
        for (TestIdentifier each : tests) record(each, new Case(nameOf(each), 0, "skipped", reason, null));
        if (isClass(test)) write(classOf(test));
    }

    @Override
    public synchronized void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (test.isTest()) {
            Long start = started.remove(test.getUniqueId());
            double seconds = start == null ? 0 : (System.nanoTime() - start) / 1e9;
            Optional<Throwable> cause = result.getThrowable();
            String outcome = switch (result.getStatus()) {
                case SUCCESSFUL -> "passed";
                case ABORTED -> "skipped"; // an assumption that failed: the test did not run
                case FAILED -> cause.filter(AssertionError.class::isInstance).isPresent() ? "failure" : "error";
            };
            record(
                    test,
                    new Case(
                            nameOf(test),
                            seconds,
                            outcome,
                            cause.map(String::valueOf).orElse(null),
                            cause.map(SurefireReport::stackTrace).orElse(null)));
        } else if (isClass(test)) {
            if (result.getStatus() == TestExecutionResult.Status.FAILED) {
                // A class-level failure (a @BeforeAll, a constructor): every test that did not report fails with it.
                Throwable cause = result.getThrowable().orElse(null);
                plan.getDescendants(test).stream()
                        .filter(TestIdentifier::isTest)
                        .filter(each -> cases.getOrDefault(classOf(test), List.of()).stream()
                                .noneMatch(done -> done.name.equals(nameOf(each))))
                        .forEach(each -> record(
                                each,
                                new Case(
                                        nameOf(each),
                                        0,
                                        "error",
                                        String.valueOf(cause),
                                        cause == null ? null : stackTrace(cause))));
            }
            write(classOf(test));
        }
    }

    /** Records the test that a bound halted the JVM in, and writes its class's report at once. */
    synchronized void haltedIn(TestIdentifier test, String dump) {
        record(test, new Case(nameOf(test), 0, "error", "ran past its bound and the JVM was halted", dump));
        write(classOf(test));
    }

    private void record(TestIdentifier test, Case result) {
        cases.computeIfAbsent(classOf(test), key -> new ArrayList<>()).add(result);
        switch (result.outcome) {
            case "passed" -> passed++;
            case "skipped" -> skipped++;
            default -> failed++;
        }
        System.out.printf(
                "%-7s %s.%s (%.1f s)%s%n",
                result.outcome.toUpperCase(),
                classOf(test),
                result.name,
                result.seconds,
                result.message == null ? "" : ": " + firstLine(result.message));
        System.out.flush();
    }

    private static boolean isClass(TestIdentifier test) {
        return test.getSource().filter(ClassSource.class::isInstance).isPresent();
    }

    private String classOf(TestIdentifier test) {
        var source = test.getSource().orElse(null);
        if (source instanceof MethodSource method) return method.getClassName();
        if (source instanceof ClassSource type) return type.getClassName();
        return test.getParentIdObject()
                .map(plan::getTestIdentifier)
                .map(this::classOf)
                .orElse("unknown");
    }

    private static String nameOf(TestIdentifier test) {
        return test.getLegacyReportingName();
    }

    private void write(String className) {
        List<Case> results = cases.getOrDefault(className, List.of());
        long failures =
                results.stream().filter(c -> c.outcome.equals("failure")).count();
        long errors = results.stream().filter(c -> c.outcome.equals("error")).count();
        long skips = results.stream().filter(c -> c.outcome.equals("skipped")).count();
        double seconds = results.stream().mapToDouble(Case::seconds).sum();
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.append(String.format(
                "<testsuite name=\"%s\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">%n",
                escape(className), results.size(), failures, errors, skips, seconds));
        for (Case result : results) {
            xml.append(String.format(
                    "  <testcase name=\"%s\" classname=\"%s\" time=\"%.3f\"",
                    escape(result.name), escape(className), result.seconds));
            if (result.outcome.equals("passed")) {
                xml.append("/>\n");
                continue;
            }
            xml.append(">\n    <").append(result.outcome);
            if (result.message != null)
                xml.append(" message=\"")
                        .append(escape(firstLine(result.message)))
                        .append('"');
            if (result.detail == null) {
                xml.append("/>\n");
            } else {
                xml.append('>')
                        .append(escape(result.detail))
                        .append("</")
                        .append(result.outcome)
                        .append(">\n");
            }
            xml.append("  </testcase>\n");
        }
        xml.append("</testsuite>\n");
        try {
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("TEST-" + className + ".xml"), xml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report of " + className + " in " + directory, e);
        }
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    private static String stackTrace(Throwable cause) {
        StringWriter trace = new StringWriter();
        cause.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }

    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '&' -> escaped.append("&amp;");
                case '"' -> escaped.append("&quot;");
                default -> {
                    // XML 1.0 has no place for other control characters, not even as references (a guest's
                    // console may print them), so they are spelled out.
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
                        escaped.append(String.format("\\x%02x", (int) c));
                    else escaped.append(c);
                }
            }
        }
        return escaped.toString();
    }
}
