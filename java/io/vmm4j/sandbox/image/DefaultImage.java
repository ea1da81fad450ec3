package io.vmm4j.sandbox.image;

import io.vmm4j.builder.Initramfs;
import io.vmm4j.sandbox.agent.AgentBinary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The default sandbox image, assembled on the user's machine from Debian's packages: the cloud
 * kernel, the virtio modules it needs from the same package, {@code busybox-static}, and the vmm4j
 * agent from this jar, in an initramfs whose {@code /init} loads the modules and starts the agent on
 * {@code /dev/hvc0}.
 *
 * <p>Two steps. {@link #prepare} fetches the packages with {@code apt-get download} (it needs Debian's
 * archive) into the cache folder ({@link #defaultCache()}) and assembles the image. {@link #load} needs
 * no network and no apt: it finds what was prepared, and only re-assembles the initramfs when this
 * jar's agent differs from the one in it.
 */
public final class DefaultImage {
    /** The kernel command-line word that makes the default init switch to the root disk on {@code /dev/vda}. */
    public static final String ROOT_PARAMETER = "vmm4j.root=/dev/vda";

    /** In dependency order, as modprobe would load them; the cloud kernel builds them all as modules. */
    static final List<String> MODULES =
            List.of("virtio_ring", "virtio", "virtio_mmio", "virtio_console", "virtio_blk", "virtio-rng");

    private static final String AGENT_PATH = AgentBinary.GUEST_PATH;

    /** What init prints on the console just before it starts the agent. */
    public static final String AGENT_STARTING = "vmm4j-init: starting the agent";

    /** What init prints when the agent has ended, before it reboots (which ends the VM). */
    public static final String AGENT_EXITED = "vmm4j-init: the agent exited";

    private DefaultImage() {}

    /**
     * The cache folder: the system property {@code vmm4j.cache}, else the environment variable {@code
     * VMM4J_CACHE}, else {@code $XDG_CACHE_HOME/vmm4j}, else {@code ~/.cache/vmm4j}.
     */
    public static Path defaultCache() {
        String property = System.getProperty("vmm4j.cache");
        if (property != null && !property.isBlank()) return Paths.get(property);
        String variable = System.getenv("VMM4J_CACHE");
        if (variable != null && !variable.isBlank()) return Paths.get(variable);
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return Paths.get(xdg, "vmm4j");
        return Paths.get(System.getProperty("user.home"), ".cache", "vmm4j");
    }

    /** {@link #prepare(Path)} into {@link #defaultCache()}. */
    public static SandboxImage prepare() {
        return prepare(defaultCache());
    }

    /**
     * Fetches the kernel and busybox packages (apt's candidate versions; a version already in the cache
     * is not fetched again) and assembles the image.
     *
     * @throws IllegalStateException naming the apt command and its output when a package cannot be had
     */
    public static SandboxImage prepare(Path cache) {
        DebianArchive archive = new DebianArchive(cache);
        KernelPackage kernel = archive.fetchKernel();
        Path busybox = archive.fetch(DebianArchive.BUSYBOX_PACKAGE);
        return assemble(archive.cache(), kernel, busybox);
    }

    /** {@link #load(Path)} from {@link #defaultCache()}. */
    public static SandboxImage load() {
        return load(defaultCache());
    }

    /**
     * The image prepared in {@code cache}, with no network.
     *
     * @throws IllegalStateException saying to run {@code vmm4j sandbox image} when it was not prepared
     */
    public static SandboxImage load(Path cache) {
        DebianArchive archive = new DebianArchive(cache);
        Optional<KernelPackage> kernel = archive.cachedKernel();
        Optional<Path> busybox = archive.cached(DebianArchive.BUSYBOX_PACKAGE);
        if (kernel.isEmpty() || busybox.isEmpty()) {
            throw new IllegalStateException("the default sandbox image is not prepared in " + archive.cache()
                    + ": run './vmm4j sandbox image' (or DefaultImage.prepare()) on a Debian host with network access"
                    + " first, or give your own kernel and initramfs (SandboxImage.of)");
        }
        return assemble(archive.cache(), kernel.get(), busybox.get());
    }

    /** The image for these packages and this jar's agent: the cached initramfs, or a new one. */
    private static SandboxImage assemble(Path cache, KernelPackage kernel, Path busyboxPackage) {
        byte[] agent = AgentBinary.bytes();
        String key = kernel.tree().getFileName() + "+" + busyboxPackage.getFileName() + "+agent-" + sha256(agent);
        Path folder = cache.resolve("images").resolve(key);
        Path initramfs = folder.resolve("initramfs.cpio");
        try {
            if (!Files.isRegularFile(initramfs)) {
                Files.createDirectories(folder);
                Initramfs image = new Initramfs()
                        .directory("bin")
                        .directory("sbin")
                        .directory("lib")
                        .directory("lib/vmm4j")
                        .file("bin/busybox", 0755, Files.readAllBytes(busybox(busyboxPackage)))
                        .file(AGENT_PATH.substring(1), 0755, agent)
                        .file("init", 0755, init().getBytes(StandardCharsets.US_ASCII));
                for (String module : MODULES) {
                    image.file("lib/vmm4j/" + module + ".ko", 0644, Files.readAllBytes(kernel.module(module)));
                }
                image.writeTo(initramfs);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot assemble the sandbox image in " + folder + ": " + e, e);
        }
        return SandboxImage.of(kernel.vmlinuz(), initramfs);
    }

    private static Path busybox(Path busyboxPackage) {
        Path busybox = busyboxPackage.resolve("bin/busybox");
        if (!Files.isExecutable(busybox))
            throw new IllegalStateException(busyboxPackage + " holds no executable bin/busybox");
        return busybox;
    }

    /**
     * The init script: mounts, loads the modules, waits for {@code /dev/hvc0}, optionally switches to
     * a root disk, then runs the agent as its child. When the agent ends, init says so on the console and
     * reboots, which ends the VM: the host then reports the agent's death with the console's last lines.
     */
    static String init() {
        return String.join(
                "\n",
                "#!/bin/busybox sh",
                "/bin/busybox --install -s /bin",
                "export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root",
                "mkdir -p /proc /sys /dev /tmp /root /mnt /newroot",
                "mount -t proc proc /proc",
                "mount -t sysfs sysfs /sys",
                "mount -t devtmpfs devtmpfs /dev",
                "mkdir -p /dev/pts && mount -t devpts devpts /dev/pts",
                "mount -t tmpfs tmpfs /tmp",
                "for m in " + String.join(" ", MODULES) + "; do",
                "  insmod /lib/vmm4j/$m.ko || echo \"vmm4j-init: insmod $m failed\"",
                "done",
                // Devices appear when their drivers have probed: wait on time, up to 30 s.
                "end=$(($(date +%s) + 30))",
                "while [ ! -c /dev/hvc0 ] && [ $(date +%s) -lt $end ]; do sleep 0.05; done",
                "if [ ! -c /dev/hvc0 ]; then echo 'vmm4j-init: no /dev/hvc0 after 30 s (virtio_console)'; reboot -f;"
                        + " fi",
                "agent=" + AGENT_PATH,
                "if grep -q '" + ROOT_PARAMETER + "' /proc/cmdline; then",
                "  while [ ! -b /dev/vda ] && [ $(date +%s) -lt $end ]; do sleep 0.05; done",
                "  mount /dev/vda /newroot || { echo 'vmm4j-init: cannot mount the root disk /dev/vda'; reboot -f; }",
                "  mkdir -p /newroot/dev /newroot/proc /newroot/sys /newroot/tmp",
                "  mount --move /dev /newroot/dev; mount --move /proc /newroot/proc; mount --move /sys /newroot/sys",
                "  mount -t tmpfs tmpfs /newroot/tmp",
                "  cp " + AGENT_PATH + " /newroot/tmp/.vmm4j-agent",
                "  echo '" + AGENT_STARTING + " on the root disk'",
                "  exec switch_root /newroot /tmp/.vmm4j-agent --channel /dev/hvc0",
                "fi",
                "cd /root",
                "echo '" + AGENT_STARTING + "'",
                "$agent --channel /dev/hvc0",
                "echo \"" + AGENT_EXITED + " with status $?\"",
                "reboot -f",
                "");
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(bytes))
                    .substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JVM", e);
        }
    }
}
