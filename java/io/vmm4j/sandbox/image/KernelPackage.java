package io.vmm4j.sandbox.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** An unpacked Debian kernel package: {@code boot/vmlinuz-*} and its module tree {@code lib/modules/VERSION/}. */
public record KernelPackage(Path tree) {
    /** The bzImage, {@code boot/vmlinuz-*}. */
    public Path vmlinuz() {
        Path boot = tree.resolve("boot");
        try (Stream<Path> files = Files.list(boot)) {
            return files.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(boot + " holds no vmlinuz-*"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + boot + ": " + e, e);
        }
    }

    /** The module tree, {@code lib/modules/VERSION/}. */
    public Path modules() {
        Path modules = tree.resolve("lib/modules");
        try (Stream<Path> versions = Files.list(modules)) {
            return versions.filter(Files::isDirectory)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(modules + " holds no module tree"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + modules + ": " + e, e);
        }
    }

    /** The module {@code name} as modprobe names it (virtio_blk, virtio-rng), found anywhere in {@link #modules()}. */
    public Path module(String name) {
        Path modules = modules();
        try (Stream<Path> files = Files.walk(modules)) {
            return files.filter(p -> p.getFileName().toString().equals(name + ".ko"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(modules + " holds no " + name + ".ko"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot search " + modules + ": " + e, e);
        }
    }
}
