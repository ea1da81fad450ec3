package io.vmm4j.testing;

import io.vmm4j.sandbox.image.DebianArchive;
import io.vmm4j.sandbox.image.DefaultImage;
import io.vmm4j.sandbox.image.KernelPackage;
import io.vmm4j.sandbox.image.SandboxImage;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Real Debian binaries for tests, through the library's {@link DebianArchive}: the kernel of {@code
 * linux-image-cloud-amd64} (with its virtio modules) and busybox-static, fetched with {@code apt-get
 * download} into {@code target/debian-packages/}, and the default sandbox image assembled from them there.
 * They are cached across runs and never committed; once cached, nothing here calls apt (the nested-KVM VM
 * has no network, so its harness runs {@link #main} on the host first). Without access to the Debian
 * archive and without a cache this fails with a message that says so: the tests that need them do not
 * silently skip.
 */
public final class DebianPackages {
    /** The tests' cache; surefire and tests/kvm-vm/junit pass it to the library as {@code -Dvmm4j.cache}. */
    public static final Path CACHE = Paths.get(System.getProperty("user.dir"), "target", "debian-packages");

    private static final DebianArchive ARCHIVE = new DebianArchive(CACHE);

    private DebianPackages() {}

    /**
     * Fetches and unpacks every package the tests use into {@code target/debian-packages/} of the
     * working directory (run it from the checkout), assembles the default sandbox image there, and prints
     * what is cached. For a harness that runs the tests where the Debian archive cannot be reached, as
     * tests/kvm-vm/junit does: {@code java -cp target/test-classes:... io.vmm4j.testing.DebianPackages}.
     * Exit status 1 with the reason when a package cannot be had.
     */
    public static void main(String[] args) {
        try {
            System.out.println("kernel: " + kernel());
            System.out.println("kernel modules: " + kernelModules());
            System.out.println("busybox: " + busybox());
            System.out.println("generic kernel: " + genericKernel());
            System.out.println("sandbox image: " + sandboxImage());
        } catch (IllegalStateException e) {
            System.err.println("DebianPackages: " + e.getMessage());
            System.exit(1);
        }
    }

    /** The path of boot/vmlinuz-* from the current kernel package, downloading it on first use. */
    public static Path kernel() {
        return kernelPackage().vmlinuz();
    }

    /**
     * The kernel's module tree, {@code lib/modules/VERSION/} of the kernel package: the cloud kernel
     * builds virtio, virtio_mmio, virtio_blk and virtio-rng as modules.
     */
    public static Path kernelModules() {
        return kernelPackage().modules();
    }

    /** The module {@code name} (as modprobe names it, e.g. virtio_blk) in {@link #kernelModules()}. */
    public static Path kernelModule(String name) {
        return kernelPackage().module(name);
    }

    /**
     * The default sandbox image in {@link #CACHE} (where surefire's and the nested VM's {@code vmm4j.cache}
     * point): the prepared one, or prepared now from the packages (fetched on first use).
     */
    public static synchronized SandboxImage sandboxImage() {
        try {
            return DefaultImage.load(CACHE);
        } catch (IllegalStateException notPrepared) {
            return DefaultImage.prepare(CACHE);
        }
    }

    /** The vmlinuz of Debian's generic kernel package (it has CONFIG_VMGENID), downloaded on first use. */
    public static synchronized Path genericKernel() {
        return ARCHIVE.cachedGenericKernel()
                .orElseGet(ARCHIVE::fetchGenericKernel)
                .vmlinuz();
    }

    /** Debian's statically linked busybox, from busybox-static. */
    public static Path busybox() {
        Path tree = ARCHIVE.cached(DebianArchive.BUSYBOX_PACKAGE)
                .orElseGet(() -> ARCHIVE.fetch(DebianArchive.BUSYBOX_PACKAGE));
        return tree.resolve("bin/busybox");
    }

    private static synchronized KernelPackage kernelPackage() {
        return ARCHIVE.cachedKernel().orElseGet(ARCHIVE::fetchKernel);
    }
}
