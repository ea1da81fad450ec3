package io.vmm4j.cli.qemu;

import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.arch.x86.E820Map;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A boot protocol {@code -kernel} images may use. {@link QemuCommand#KERNEL_FORMATS} lists them in the
 * order they are tried; the first that {@link #recognizes} an image loads it. Multiboot v1 is the one
 * today; Linux's bzImage protocol goes next to it.
 */
interface KernelFormat {
    /** The format's name, for messages. */
    String name();

    /** Whether {@code kernel} is in this format (a malformed header of the format counts). */
    boolean recognizes(byte[] kernel);

    /**
     * Reads the {@code -initrd} files and checks and places the kernel, the files and the command line in
     * RAM laid out as {@code map}, without a VM: a malformed image is reported before KVM is opened.
     *
     * @throws io.vmm4j.arch.x86.KernelLoadException when the image is malformed or does not fit
     * @throws IOException when an {@code -initrd} file cannot be read
     */
    Prepared prepare(E820Map map, Request request) throws IOException;

    /** A kernel ready to load. */
    interface Prepared {
        /** Writes it into the CREATED {@code vm} and returns what puts the boot vCPU at its entry. */
        Consumer<Vcpu> load(VirtualMachine vm);
    }

    /**
     * @param path the {@code -kernel} path as given
     * @param kernel its contents
     * @param append the {@code -append} text, "" when absent
     * @param initrd the {@code -initrd} text as given, or null
     */
    record Request(Path path, byte[] kernel, String append, String initrd) {}
}
