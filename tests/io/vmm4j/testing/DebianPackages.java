package io.vmm4j.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Real Debian binaries for tests: the kernel of {@code linux-image-cloud-amd64} (with its virtio
 * modules) and busybox-static, fetched with {@code apt-get download} into
 * {@code target/debian-packages/} and unpacked with {@code dpkg-deb -x}. They are cached there across
 * runs and never committed; once cached, nothing here calls apt (the nested-KVM VM has no network, so
 * its harness runs {@link #main} on the host first). Without access to the Debian archive and without
 * a cache this fails with a message that says so: the tests that need them do not silently skip.
 */
public final class DebianPackages {
    public static final String META_PACKAGE = "linux-image-cloud-amd64";
    public static final String BUSYBOX_PACKAGE = "busybox-static";
    /** Debian's generic kernel: unlike the cloud kernel it has CONFIG_VMGENID (built in). */
    public static final String GENERIC_META_PACKAGE = "linux-image-amd64";

    private static final Path CACHE = Paths.get(System.getProperty("user.dir"), "target", "debian-packages");
    /** The versioned kernel package that {@link #META_PACKAGE} resolved to, once it is unpacked. */
    private static final Path KERNEL_PACKAGE_NAME = CACHE.resolve("kernel-package");

    private static final Path GENERIC_KERNEL_PACKAGE_NAME = CACHE.resolve("generic-kernel-package");

    private static final long COMMAND_TIMEOUT_SECONDS = 600;
    private static Path vmlinuz;

    private DebianPackages() {}

    /**
     * Fetches and unpacks every package the tests use into {@code target/debian-packages/} of the
     * working directory (run it from the checkout), and prints what is cached. For a harness that runs
     * the tests where the Debian archive cannot be reached, as tests/kvm-vm/junit does: {@code java -cp
     * target/test-classes io.vmm4j.testing.DebianPackages}. Exit status 1 with the reason when a package
     * cannot be had.
     */
    public static void main(String[] args) {
        try {
            System.out.println("kernel: " + kernel());
            System.out.println("kernel modules: " + kernelModules());
            System.out.println("busybox: " + busybox());
            System.out.println("generic kernel: " + genericKernel());
        } catch (IllegalStateException e) {
            System.err.println("DebianPackages: " + e.getMessage());
            System.exit(1);
        }
    }

    /** The path of boot/vmlinuz-* from the current kernel package, downloading it on first use. */
    public static synchronized Path kernel() {
        if (vmlinuz == null) {
            Path boot = kernelPackage().resolve("boot");
            try (Stream<Path> files = Files.list(boot)) {
                vmlinuz = files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException(boot + " holds no vmlinuz-*"));
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + boot + ": " + e, e);
            }
        }
        return vmlinuz;
    }

    /**
     * The kernel's module tree, {@code lib/modules/VERSION/} of the kernel package: the cloud kernel
     * builds virtio, virtio_mmio, virtio_blk and virtio-rng as modules.
     */
    public static synchronized Path kernelModules() {
        Path modules = kernelPackage().resolve("lib/modules");
        try (Stream<Path> versions = Files.list(modules)) {
            return versions.filter(Files::isDirectory)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(modules + " holds no module tree"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + modules + ": " + e, e);
        }
    }

    /** The module {@code name} (as modprobe names it, e.g. virtio_blk) in {@link #kernelModules()}. */
    public static Path kernelModule(String name) {
        Path tree = kernelModules();
        try (Stream<Path> files = Files.walk(tree)) {
            return files.filter(p -> p.getFileName().toString().equals(name + ".ko"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(tree + " holds no " + name + ".ko"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot search " + tree + ": " + e, e);
        }
    }

    /** The unpacked versioned kernel package: the cached one, or resolved and fetched with apt. */
    private static synchronized Path kernelPackage() {
        try {
            if (Files.isRegularFile(KERNEL_PACKAGE_NAME)) {
                Path cached =
                        CACHE.resolve(Files.readString(KERNEL_PACKAGE_NAME).strip());
                if (Files.isDirectory(cached)) return cached;
            }
            String name = resolvePackage();
            Path extracted = extracted(name);
            Files.writeString(KERNEL_PACKAGE_NAME, name + "\n");
            return extracted;
        } catch (IOException e) {
            throw new IllegalStateException("cannot record the kernel package in " + KERNEL_PACKAGE_NAME + ": " + e, e);
        }
    }

    /** The vmlinuz of Debian's generic kernel package (no modules needed), downloaded on first use. */
    public static synchronized Path genericKernel() {
        Path boot;
        try {
            Path cached = Files.isRegularFile(GENERIC_KERNEL_PACKAGE_NAME)
                    ? CACHE.resolve(
                            Files.readString(GENERIC_KERNEL_PACKAGE_NAME).strip())
                    : null;
            if (cached == null || !Files.isDirectory(cached)) {
                String name = resolve(GENERIC_META_PACKAGE, GENERIC_DEPENDENCY);
                cached = extracted(name);
                Files.writeString(GENERIC_KERNEL_PACKAGE_NAME, name + "\n");
            }
            boot = cached.resolve("boot");
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot record the generic kernel package in " + GENERIC_KERNEL_PACKAGE_NAME + ": " + e, e);
        }
        try (Stream<Path> files = Files.list(boot)) {
            return files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(boot + " holds no vmlinuz-*"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + boot + ": " + e, e);
        }
    }

    /** Debian's statically linked busybox, from busybox-static. */
    public static Path busybox() {
        Path busybox = extracted(BUSYBOX_PACKAGE).resolve("bin/busybox");
        if (!Files.isExecutable(busybox)) throw new IllegalStateException(BUSYBOX_PACKAGE + " holds no bin/busybox");
        return busybox;
    }

    /** The files of {@code packageName}, downloaded and unpacked on first use and cached after. */
    private static synchronized Path extracted(String packageName) {
        Path extracted = CACHE.resolve(packageName);
        if (Files.isDirectory(extracted)) return extracted;
        try {
            Files.createDirectories(CACHE);
            Path deb = download(packageName);
            Path partial = CACHE.resolve(packageName + ".partial");
            deleteRecursively(partial);
            Result unpack = run(CACHE, "dpkg-deb", "-x", deb.toString(), partial.toString());
            if (unpack.exitCode != 0)
                throw new IllegalStateException("dpkg-deb -x " + deb + " failed:\n" + unpack.output);
            Files.move(partial, extracted); // only a complete unpack counts as cached
            return extracted;
        } catch (IOException e) {
            throw new IllegalStateException("cannot prepare " + packageName + " in " + CACHE + ": " + e, e);
        }
    }

    /** linux-image-cloud-amd64 depends on the versioned package, e.g. linux-image-6.1.0-50-cloud-amd64. */
    private static String resolvePackage() {
        return resolve(META_PACKAGE, CLOUD_DEPENDENCY);
    }

    private static final Pattern CLOUD_DEPENDENCY = Pattern.compile("Depends:\\s*(linux-image-\\d[^\\s]*-cloud-amd64)");
    /** e.g. linux-image-6.1.0-57-amd64: a number right before -amd64, so never a -cloud-amd64 package. */
    private static final Pattern GENERIC_DEPENDENCY =
            Pattern.compile("Depends:\\s*(linux-image-\\d[^\\s]*\\d-amd64)(?:\\s|$)");

    private static String resolve(String metaPackage, Pattern dependency) {
        Optional<String> name = dependencyOf(run(CACHE, "apt-cache", "depends", metaPackage).output, dependency);
        if (name.isEmpty()) {
            // An empty or stale package list: update it once and ask again.
            Result update = run(CACHE, "apt-get", "update");
            if (update.exitCode != 0) throw unreachable("apt-get update", update);
            name = dependencyOf(run(CACHE, "apt-cache", "depends", metaPackage).output, dependency);
        }
        return name.orElseThrow(() -> new IllegalStateException("apt-cache knows no kernel package that " + metaPackage
                + " depends on; is this a Debian host with the main component in its sources?"));
    }

    static Optional<String> dependencyOf(String aptCacheDepends) {
        return dependencyOf(aptCacheDepends, CLOUD_DEPENDENCY);
    }

    private static Optional<String> dependencyOf(String aptCacheDepends, Pattern dependency) {
        Matcher match = dependency.matcher(aptCacheDepends);
        return match.find() ? Optional.of(match.group(1)) : Optional.empty();
    }

    private static Path download(String packageName) throws IOException {
        Result result = run(CACHE, "apt-get", "download", packageName);
        if (result.exitCode != 0) throw unreachable("apt-get download " + packageName, result);
        try (Stream<Path> files = Files.list(CACHE)) {
            return files.filter(p -> p.getFileName().toString().startsWith(packageName + "_")
                            && p.getFileName().toString().endsWith(".deb"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "apt-get download " + packageName + " succeeded but left no .deb in " + CACHE));
        }
    }

    private static IllegalStateException unreachable(String command, Result result) {
        return new IllegalStateException("'" + command + "' failed (exit " + result.exitCode + "): these "
                + "tests need the Debian package archive (network access), or a cached copy under " + CACHE
                + ". Output:\n" + result.output);
    }

    private record Result(int exitCode, String output) {}

    private static Result run(Path directory, String... command) {
        try {
            // Output goes to a file so that the timeout holds even if the command never closes it.
            Files.createDirectories(directory);
            Path log = Files.createTempFile(directory, "command", ".log");
            try {
                Process process = new ProcessBuilder(command)
                        .directory(directory.toFile())
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
