package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.sandbox.image.SandboxImage;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A user's root disk on virtio-blk: the default initramfs switches to it and the agent runs commands there. */
@RequiresKvm
@ExtendWith(PreparedSandboxImage.class)
class SandboxRootDiskTest {
    private static final String MARKER = "a file on the user's root disk";

    @Test
    void commandsRunOnTheRootDisk(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("bin"));
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("tmp"));
        Files.copy(DebianPackages.busybox(), root.resolve("bin/busybox"));
        for (String tool : List.of("sh", "cat", "grep", "echo")) {
            Files.createSymbolicLink(root.resolve("bin/" + tool), Path.of("busybox"));
        }
        Files.writeString(root.resolve("etc/marker"), MARKER + "\n");
        Path disk = dir.resolve("root.ext4");
        Process mke2fs = new ProcessBuilder(
                        mke2fs(), "-q", "-F", "-t", "ext4", "-d", root.toString(), disk.toString(), "16M")
                .redirectErrorStream(true)
                .start();
        String output = new String(mke2fs.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(mke2fs.waitFor(60, TimeUnit.SECONDS), "mke2fs finished");
        assertEquals(0, mke2fs.exitValue(), "mke2fs: " + output);

        try (Sandbox sandbox = Sandbox.builder()
                .image(SandboxImage.withRootDisk(disk))
                .memoryMiB(128)
                .start()) {
            assertEquals(MARKER + "\n", sandbox.exec("cat", "/etc/marker").stdoutText());
            assertEquals(
                    "1\n",
                    sandbox.exec("sh", "-c", "cat /proc/1/comm | grep -c vmm4j-agent")
                            .stdoutText());
            assertTrue(
                    sandbox.console().text().contains("on the root disk"),
                    sandbox.console().text());
        }
    }

    private static String mke2fs() {
        for (String directory : List.of("/usr/sbin", "/sbin", "/usr/bin")) {
            if (Files.isExecutable(Path.of(directory, "mke2fs"))) return directory + "/mke2fs";
        }
        throw new IllegalStateException("no mke2fs in /usr/sbin, /sbin or /usr/bin: apt-get install e2fsprogs");
    }
}
