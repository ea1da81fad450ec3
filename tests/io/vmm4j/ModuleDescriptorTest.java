package io.vmm4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.testing.RequiresKvm;
import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The library's module: what it exports, and that the demo guest boots with vmm4j on the module path. */
class ModuleDescriptorTest {
    private static final Path CLASSES = Path.of("target", "classes");

    @Test
    void exportsTheApiAndKeepsTheInternalsIn() {
        ModuleDescriptor module =
                ModuleFinder.of(CLASSES).find("io.vmm4j").orElseThrow().descriptor();
        Set<String> exported = module.exports().stream()
                .filter(export -> !export.isQualified())
                .map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(
                exported.containsAll(Set.of("io.vmm4j.api", "io.vmm4j.api.x86", "io.vmm4j.kvm", "io.vmm4j.builder")));
        for (String internal :
                Set.of("io.vmm4j.jni", "io.vmm4j.vmm", "io.vmm4j.vmm.backend", "io.vmm4j.cli", "io.vmm4j.common")) {
            assertTrue(!exported.contains(internal), internal + " must not be exported: " + exported);
        }
        Set<String> opened =
                module.opens().stream().map(ModuleDescriptor.Opens::source).collect(Collectors.toSet());
        assertEquals(Set.of("io.vmm4j.jni"), opened, "only JavaCPP's binding package is opened");
    }

    @Test
    @RequiresKvm
    void theDemoGuestBootsFromTheModulePath() throws Exception {
        // The library and the jars it requires, as a user's module path would hold them.
        String modulePath = CLASSES
                + File.pathSeparator
                + Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                        .filter(entry ->
                                entry.matches(".*/(javacpp|log4j-api|log4j-core|xz|aircompressor)-[0-9.]+\\.jar"))
                        .collect(Collectors.joining(File.pathSeparator));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        java, "--module-path", modulePath, "-m", "io.vmm4j/io.vmm4j.cli.Main", "run")
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the module-path JVM finished");
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("Hello from vmm4j guest"), output);
    }
}
