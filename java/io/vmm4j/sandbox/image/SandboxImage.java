package io.vmm4j.sandbox.image;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link Sandbox} boots: a Linux kernel, an initramfs and optionally a root disk on virtio-blk
 * ({@code /dev/vda}), with the kernel command line. The guest must start the vmm4j agent on {@code
 * /dev/hvc0} (the virtio-console); {@link DefaultImage} builds one that does.
 */
public record SandboxImage(Path kernel, Optional<Path> initrd, Optional<Path> rootDisk, String commandLine) {
    /** Serial console for the log, quiet boot, and a VM that ends (i8042 reset) on reboot or panic. */
    public static final String DEFAULT_COMMAND_LINE = "console=ttyS0 reboot=k panic=1 pci=off quiet";

    public SandboxImage {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(initrd, "initrd");
        Objects.requireNonNull(rootDisk, "rootDisk");
        Objects.requireNonNull(commandLine, "commandLine");
    }

    /** A kernel and an initramfs whose init starts the agent. */
    public static SandboxImage of(Path kernel, Path initrd) {
        return new SandboxImage(kernel, Optional.of(initrd), Optional.empty(), DEFAULT_COMMAND_LINE);
    }

    /**
     * The default image's kernel and initramfs with {@code rootDisk} (a file of whole sectors holding
     * a filesystem the kernel has built in, such as ext4) as the root: the initramfs mounts it, copies
     * the agent onto a tmpfs in it, and switches to it, so commands run on the disk's files.
     */
    public static SandboxImage withRootDisk(Path rootDisk) {
        SandboxImage base = DefaultImage.load();
        return new SandboxImage(
                base.kernel, base.initrd, Optional.of(rootDisk), base.commandLine + " " + DefaultImage.ROOT_PARAMETER);
    }

    /** The default image, prepared earlier by {@code vmm4j sandbox image} ({@link DefaultImage#prepare}); no network. */
    public static SandboxImage defaultImage() {
        return DefaultImage.load();
    }

    public SandboxImage withCommandLine(String commandLine) {
        return new SandboxImage(kernel, initrd, rootDisk, commandLine);
    }
}
