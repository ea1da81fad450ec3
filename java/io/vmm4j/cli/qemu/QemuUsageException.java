package io.vmm4j.cli.qemu;

/** A {@code vmm4j qemu} command line vmm4j cannot run; the message is one line naming the option. */
final class QemuUsageException extends Exception {
    private static final long serialVersionUID = 1L;

    QemuUsageException(String message) {
        super(message);
    }
}
