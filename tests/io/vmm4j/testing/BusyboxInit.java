package io.vmm4j.testing;

import io.vmm4j.builder.Initramfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A busybox initramfs whose /init runs a test's script, after installing busybox's applets and mounting proc, sys and dev. */
public final class BusyboxInit {
    private static final List<String> PRELUDE = List.of(
            "#!/bin/busybox sh",
            "/bin/busybox --install -s /bin",
            "export PATH=/bin",
            "mkdir -p /proc /sys /dev /tmp",
            "mount -t proc proc /proc",
            "mount -t sysfs sysfs /sys",
            "mount -t devtmpfs devtmpfs /dev");

    private BusyboxInit() {}

    /** Writes the initramfs to {@code file}, its /init the prelude and then {@code script}'s lines. */
    public static Path write(Path file, String... script) throws IOException {
        List<String> lines = new ArrayList<>(PRELUDE);
        lines.addAll(List.of(script));
        return new Initramfs()
                .directory("bin")
                .file("bin/busybox", 0755, Files.readAllBytes(DebianPackages.busybox()))
                .file("init", 0755, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII))
                .writeTo(file);
    }
}
