package io.vmm4j.sandbox.image;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian packages fetched with {@code apt-get download} and unpacked with {@code dpkg-deb -x} into a
 * cache folder, one folder per package and version ({@code busybox-static_1%3a1.35.0-4_amd64/}). The
 * version last fetched is recorded in {@code PACKAGE.current}, so {@link #cached} finds it again with no
 * network and no apt at all (the nested-KVM test VM and many CI sandboxes have neither).
 */
public final class DebianArchive {
    /** Debian's cloud kernel: small, with virtio, virtio_mmio, virtio_console, virtio_blk and virtio-rng as modules. */
    public static final String KERNEL_META_PACKAGE = "linux-image-cloud-amd64";

    /** Debian's generic kernel: unlike the cloud kernel it has CONFIG_VMGENID (built in). */
    public static final String GENERIC_KERNEL_META_PACKAGE = "linux-image-amd64";

    public static final String BUSYBOX_PACKAGE = "busybox-static";
    private static final Pattern KERNEL_DEPENDENCY =
            Pattern.compile("Depends:\\s*(linux-image-\\d[^\\s]*-cloud-amd64)");
    /** e.g. linux-image-6.1.0-57-amd64: a number right before -amd64, so never a -cloud-amd64 package. */
    private static final Pattern GENERIC_KERNEL_DEPENDENCY =
            Pattern.compile("Depends:\\s*(linux-image-\\d[^\\s]*\\d-amd64)(?:\\s|$)", Pattern.MULTILINE);

    private static final long COMMAND_TIMEOUT_SECONDS = 600;

    private final Path cache;

    public DebianArchive(Path cache) {
        this.cache = Objects.requireNonNull(cache, "cache").toAbsolutePath();
    }

    public Path cache() {
        return cache;
    }

    /**
     * The unpacked tree of the version of {@code packageName} last fetched into this cache; empty when
     * none was. Calls nothing outside the JVM.
     */
    public synchronized Optional<Path> cached(String packageName) {
        Path record = currentRecord(packageName);
        try {
            if (!Files.isRegularFile(record)) return Optional.empty();
            Path tree = cache.resolve(Files.readString(record).strip());
            return Files.isDirectory(tree) ? Optional.of(tree) : Optional.empty();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + record + ": " + e, e);
        }
    }

    /**
     * The unpacked tree of apt's candidate version of {@code packageName}: the cached one when that
     * version is here already, else downloaded with {@code apt-get download} and unpacked. Records it as
     * the current version.
     *
     * @throws IllegalStateException naming the command and its output when apt cannot get the package
     */
    public Path fetch(String packageName) {
        return fetch(packageName, packageName);
    }

    /**
     * Debian's cloud kernel: the package {@link #KERNEL_META_PACKAGE} depends on, fetched as by {@link
     * #fetch} and recorded under the meta package's name.
     */
    public KernelPackage fetchKernel() {
        return new KernelPackage(fetch(kernelPackage(), KERNEL_META_PACKAGE));
    }

    /** Debian's generic kernel, the package {@link #GENERIC_KERNEL_META_PACKAGE} depends on, as {@link #fetchKernel()}. */
    public KernelPackage fetchGenericKernel() {
        String name = dependency(GENERIC_KERNEL_META_PACKAGE, GENERIC_KERNEL_DEPENDENCY);
        return new KernelPackage(fetch(name, GENERIC_KERNEL_META_PACKAGE));
    }

    /** The generic kernel last fetched by {@link #fetchGenericKernel()}, with no network; empty when none was. */
    public Optional<KernelPackage> cachedGenericKernel() {
        return cached(GENERIC_KERNEL_META_PACKAGE).map(KernelPackage::new);
    }

    /** The kernel last fetched by {@link #fetchKernel()}, with no network; empty when none was. */
    public Optional<KernelPackage> cachedKernel() {
        return cached(KERNEL_META_PACKAGE).map(KernelPackage::new);
    }

    private synchronized Path fetch(String packageName, String recordAs) {
        String version = candidateVersion(packageName);
        Path tree = cache.resolve(packageName + "_" + version.replace(":", "%3a") + "_amd64");
        try {
            Files.createDirectories(cache);
            if (!Files.isDirectory(tree)) unpack(download(packageName, version), tree);
            Path record = currentRecord(recordAs);
            Path partial = record.resolveSibling(record.getFileName() + ".partial");
            Files.writeString(partial, tree.getFileName() + "\n");
            Files.move(partial, record, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return tree;
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + packageName + " in " + cache + ": " + e, e);
        }
    }

    /** The versioned kernel package {@link #KERNEL_META_PACKAGE} depends on, e.g. linux-image-6.1.0-50-cloud-amd64. */
    public String kernelPackage() {
        return dependency(KERNEL_META_PACKAGE, KERNEL_DEPENDENCY);
    }

    private String dependency(String metaPackage, Pattern pattern) {
        Optional<String> name = dependencyOf(run("apt-cache", "depends", metaPackage).output, pattern);
        if (name.isEmpty()) {
            updateLists();
            name = dependencyOf(run("apt-cache", "depends", metaPackage).output, pattern);
        }
        return name.orElseThrow(() -> new IllegalStateException("apt-cache knows no kernel package that " + metaPackage
                + " depends on; is this a Debian host with the main component in its sources?"));
    }

    private static Optional<String> dependencyOf(String aptCacheDepends, Pattern pattern) {
        Matcher match = pattern.matcher(aptCacheDepends);
        return match.find() ? Optional.of(match.group(1)) : Optional.empty();
    }

    public static Optional<String> kernelDependency(String aptCacheDepends) {
        return dependencyOf(aptCacheDepends, KERNEL_DEPENDENCY);
    }

    /** The {@code Candidate:} line of {@code apt-cache policy}, updating the package lists once if there is none. */
    private String candidateVersion(String packageName) {
        Optional<String> version = candidate(run("apt-cache", "policy", packageName).output);
        if (version.isEmpty()) {
            updateLists();
            version = candidate(run("apt-cache", "policy", packageName).output);
        }
        return version.orElseThrow(() -> new IllegalStateException("apt-cache policy " + packageName
                + " names no candidate version: the package is not in this host's apt sources"));
    }

    static Optional<String> candidate(String aptCachePolicy) {
        Matcher match = Pattern.compile("Candidate:\\s*(\\S+)").matcher(aptCachePolicy);
        return match.find() && !match.group(1).equals("(none)") ? Optional.of(match.group(1)) : Optional.empty();
    }

    private void updateLists() {
        Result update = run("apt-get", "update");
        if (update.exitCode != 0) throw unreachable("apt-get update", update);
    }

    private Path download(String packageName, String version) throws IOException {
        String spec = packageName + "=" + version;
        Result result = run("apt-get", "download", spec);
        if (result.exitCode != 0) throw unreachable("apt-get download " + spec, result);
        try (Stream<Path> files = Files.list(cache)) {
            return files.filter(p -> p.getFileName().toString().startsWith(packageName + "_")
                            && p.getFileName().toString().endsWith(".deb"))
                    .filter(p -> p.getFileName().toString().contains(version.replace(":", "%3a")))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "apt-get download " + spec + " succeeded but left no .deb in " + cache));
        }
    }

    private void unpack(Path deb, Path tree) throws IOException {
        Path partial = tree.resolveSibling(tree.getFileName() + ".partial");
        deleteRecursively(partial);
        Result unpack = run("dpkg-deb", "-x", deb.toString(), partial.toString());
        if (unpack.exitCode != 0) throw new IllegalStateException("dpkg-deb -x " + deb + " failed:\n" + unpack.output);
        Files.move(partial, tree); // only a complete unpack counts as cached
        Files.delete(deb);
    }

    private Path currentRecord(String packageName) {
        return cache.resolve(packageName + ".current");
    }

    private IllegalStateException unreachable(String command, Result result) {
        return new IllegalStateException("'" + command + "' failed (exit " + result.exitCode + "): this needs "
                + "Debian's package archive (a Debian host with network access), or a copy already fetched into "
                + cache + ". Output:\n" + result.output);
    }

    private record Result(int exitCode, String output) {}

    private Result run(String... command) {
        try {
            // Output goes to a file so that the timeout holds even if the command never closes it.
            Files.createDirectories(cache);
            Path log = Files.createTempFile(cache, "command", ".log");
            try {
                Process process = new ProcessBuilder(command)
                        .directory(cache.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .start();
                if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException(
                            String.join(" ", command) + " took longer than " + COMMAND_TIMEOUT_SECONDS + " s");
                }
                return new Result(process.exitValue(), new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) return;
        List<Path> paths = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.forEach(paths::add);
        }
        for (int i = paths.size() - 1; i >= 0; i--) Files.delete(paths.get(i));
    }
}
