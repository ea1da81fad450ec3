package io.vmm4j.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** What this JVM holds that a sandbox must give back: its fds, vmm4j's threads, its RSS. */
final class ProcessResources {
    private ProcessResources() {}

    /**
     * The targets of this process's fds ("anon_inode:kvm-vm", "/dev/kvm", "pipe:[...]"), with their numbers; not the
     * class path's jars, which the JVM opens as classes first load from them and keeps open.
     */
    static Set<String> openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(fd -> {
                        try {
                            return fd.getFileName() + " -> " + Files.readSymbolicLink(fd);
                        } catch (IOException e) {
                            return fd.getFileName() + " (closed while listing)";
                        }
                    })
                    .filter(fd -> !fd.contains("/proc/self/fd") && !fd.contains("closed while listing"))
                    .filter(fd -> !fd.endsWith(".jar"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The names of live threads that vmm4j starts (vCPUs, the agent reader, the watcher, the I/O thread). */
    static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.startsWith("vmm4j"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
