package io.vmm4j.sandbox.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The guest agent binary built from guests/agent (a static x86-64 Linux executable) and carried in the jar, for an
 * initramfs or root disk to start as init.
 */
public final class AgentBinary {
    /** The class path resource. */
    public static final String RESOURCE = "/io/vmm4j/sandbox/agent/vmm4j-agent";

    /** Its path inside a default image, and the name init scripts start it by. */
    public static final String GUEST_PATH = "/sbin/vmm4j-agent";

    private AgentBinary() {}

    /** The executable's bytes. */
    public static byte[] bytes() {
        try (InputStream in = open()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE + " failed: " + e.getMessage(), e);
        }
    }

    /** Writes the executable to {@code file} (replacing it) with mode 0755; returns {@code file}. */
    public static Path extractTo(Path file) {
        try (InputStream in = open()) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("extracting " + RESOURCE + " to " + file + " failed: " + e.getMessage(), e);
        }
    }

    private static InputStream open() {
        InputStream in = AgentBinary.class.getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IllegalStateException(
                    RESOURCE + " is not on the class path: the build (CMake, guests/agent) did not produce it");
        }
        return in;
    }
}
