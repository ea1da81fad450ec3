package io.vmm4j.testing.harness;

import static org.junit.platform.engine.discovery.ClassNameFilter.excludeClassNamePatterns;
import static org.junit.platform.engine.discovery.ClassNameFilter.includeClassNamePatterns;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectPackage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TagFilter;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs the KVM tests (those tagged {@code kvm} by {@code @RequiresKvm}) with the JUnit Platform launcher, on a
 * class path the host computed: what {@code tests/kvm-vm/junit} starts inside the nested-KVM VM. Measured there,
 * this costs about a tenth of {@code mvn -o test} per class, which re-runs Maven, CMake and JavaCPP.
 *
 * <p>{@code KvmTestLauncher REPORT_DIR PROGRESS_FILE [CLASS_PATTERN...]}: writes surefire-format reports to
 * REPORT_DIR, the test that is running to PROGRESS_FILE (so whoever kills a hung guest can name it) and
 * {@code finished} there at the end, prints a line
 * per test and closes with {@code N passed, N failed, N skipped}. A class whose report is already in REPORT_DIR is
 * not run again: {@code tests/kvm-vm/junit} starts a second nested VM for the rest when the first one wedged. Exits 0 only if no test failed and, without
 * patterns, at least one ran.
 *
 * <p>{@code KvmTestLauncher --count [CLASS_PATTERN...]} prints how many KVM tests the patterns select, without
 * running them or needing KVM, so that a host can skip starting the nested VM for none.
 */
public final class KvmTestLauncher {
    private KvmTestLauncher() {}

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("--count")) {
            LauncherDiscoveryRequest discovery = discovery(List.of(args).subList(1, args.length), List.of());
            // A parameterized test is a container until it runs: count methods, not invocations.
            System.out.println(LauncherFactory.create()
                    .discover(discovery)
                    .countTestIdentifiers(test -> test.getSource()
                            .filter(MethodSource.class::isInstance)
                            .isPresent()));
            System.exit(0);
        }
        if (args.length < 2) {
            System.err.println("usage: KvmTestLauncher REPORT_DIR PROGRESS_FILE [CLASS_PATTERN...]"
                    + " | KvmTestLauncher --count [CLASS_PATTERN...]");
            System.exit(2);
        }
        Path reports = Path.of(args[0]);
        Path progress = Path.of(args[1]);
        List<String> patterns = new ArrayList<>(List.of(args).subList(2, args.length));
        LauncherDiscoveryRequest discovery = discovery(patterns, reported(reports));

        SurefireReport report = new SurefireReport(reports);
        TestBound.beforeHalt(report::haltedIn);
        TestExecutionListener progressFile = new TestExecutionListener() {
            @Override
            public void executionStarted(TestIdentifier test) {
                if (!test.isTest()) return;
                try {
                    Files.writeString(
                            progress,
                            test.getLegacyReportingName() + " in " + test.getUniqueId() + "\n",
                            StandardCharsets.UTF_8);
                } catch (java.io.IOException e) {
                    System.err.println("cannot write " + progress + ": " + e);
                }
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, report, progressFile);

        Files.writeString(progress, "finished\n", StandardCharsets.UTF_8); // whoever started us: we were not cut short
        System.out.printf("%d passed, %d failed, %d skipped%n", report.passed, report.failed, report.skipped);
        boolean ranNothing = report.passed + report.failed + report.skipped == 0;
        if (ranNothing) {
            System.out.println(
                    patterns.isEmpty()
                            ? "no KVM test was found: the run proves nothing"
                            : "no KVM test matches " + String.join(",", patterns));
        }
        System.exit(report.failed > 0 || (ranNothing && patterns.isEmpty()) ? 1 : 0);
    }

    /** The classes with a report in {@code reports}: those an earlier nested VM finished. */
    private static List<String> reported(Path reports) throws java.io.IOException {
        if (!Files.isDirectory(reports)) return List.of();
        try (java.util.stream.Stream<Path> files = Files.list(reports)) {
            return files.map(file -> file.getFileName().toString())
                    .filter(name -> name.startsWith("TEST-io.vmm4j.") && name.endsWith(".xml"))
                    .map(name -> name.substring("TEST-".length(), name.length() - ".xml".length()))
                    .toList();
        }
    }

    private static LauncherDiscoveryRequest discovery(List<String> patterns, List<String> finished) {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectPackage("io.vmm4j"))
                .filters(TagFilter.includeTags("kvm"));
        if (!finished.isEmpty()) {
            request.filters(excludeClassNamePatterns(
                    finished.stream().map(java.util.regex.Pattern::quote).toArray(String[]::new)));
        }
        if (!patterns.isEmpty()) {
            // Surefire's -Dtest takes simple names or patterns with '*'; the filter takes regular expressions.
            request.filters(includeClassNamePatterns(
                    patterns.stream().map(KvmTestLauncher::toRegex).toArray(String[]::new)));
        }
        return request.build();
    }

    static String toRegex(String pattern) {
        String name = pattern.contains("#") ? pattern.substring(0, pattern.indexOf('#')) : pattern;
        String regex = name.replace(".", "\\.").replace("*", ".*");
        return name.contains(".") ? regex : "(.*\\.)?" + regex;
    }
}
