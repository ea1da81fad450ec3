package io.vmm4j.arch.x86.multiboot;

import java.util.Objects;

/**
 * A boot module: a file the loader places in guest memory and lists in the Multiboot information.
 *
 * @param commandLine the module's string; QEMU gives the whole {@code -initrd} item (the path and any
 *     arguments after it)
 * @param contents the bytes to load
 */
public record MultibootModule(String commandLine, byte[] contents) {
    public MultibootModule {
        Objects.requireNonNull(commandLine, "commandLine");
        Objects.requireNonNull(contents, "contents");
    }
}
