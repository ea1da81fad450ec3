package io.vmm4j.guests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The freestanding guests built from {@code guests/} and shipped in the jar. */
public enum BundledGuest {
    HELLO("hello"),
    REALMODE_HELLO("realmode-hello"),
    MMIO_ECHO("mmio-echo"),
    COUNTER("counter"),
    /** Counts as COUNTER does, and writes each new value (low 32 bits) to port {@link #COUNT_PORT}. */
    COUNT_OUT("count-out"),
    SPIN("spin"),
    PIO_LOOP("pio-loop"),
    PIO_IN_LOOP("pio-in-loop"),
    MMIO_LOOP("mmio-loop"),
    MMIO_READ_LOOP("mmio-read-loop"),
    TRIPLE_FAULT("triple-fault"),
    SMP("smp"),
    SERIAL_ECHO("serial-echo"),
    MMIO_FETCH("mmio-fetch"),
    REBOOT("reboot"),
    BOOT_INFO("boot-info"),
    VIRTIO_SMOKE("virtio-smoke"),
    VIRTIO_IRQ("virtio-irq"),
    VIRTIO_LOOP("virtio-loop"),
    /** A Multiboot v1 kernel (32-bit ELF, linked at 1 MiB) for the Multiboot loader, not a flat binary. */
    MULTIBOOT("multiboot", ".elf");

    /** Guest RAM address the counter and spin guests write to, for the host to read. */
    public static final long MAILBOX = 0x6000;

    /** The port {@link #COUNT_OUT} writes each count to. */
    public static final int COUNT_PORT = 0x4000;

    private final String fileName;
    private final String suffix;

    BundledGuest(String fileName) {
        this(fileName, ".bin");
    }

    BundledGuest(String fileName, String suffix) {
        this.fileName = fileName;
        this.suffix = suffix;
    }

    public String fileName() {
        return fileName;
    }

    /**
     * The image: a flat binary to load at {@link io.vmm4j.arch.x86.FlatBinaryBoot#LOAD_ADDRESS}, or for
     * {@link #MULTIBOOT} an ELF file for {@link io.vmm4j.arch.x86.multiboot.MultibootLoader}.
     */
    public byte[] image() {
        String resource = "/io/vmm4j/guests/" + fileName + suffix;
        try (InputStream in = BundledGuest.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("guest image " + resource + " is missing from the build");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading guest image " + resource, e);
        }
    }
}
