package io.vmm4j.arch.x86.boot;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.MemoryLayout;
import java.util.OptionalLong;

/**
 * A bzImage: setup sectors with the setup header, then the protected-mode kernel, which holds the
 * compressed vmlinux (the payload) and the code that decompresses it. It boots either as is (the
 * guest decompresses) or through host-side decompression of the payload (the guest starts in
 * vmlinux directly). Parsing needs no VM.
 */
public final class BzImage {
    /** The 64-bit entry point is this far into the protected-mode kernel (startup_64). */
    public static final long ENTRY_64_OFFSET = 0x200;

    private final byte[] image;
    private final String source;
    private final SetupHeader header;

    private BzImage(byte[] image, String source, SetupHeader header) {
        this.image = image;
        this.source = source;
        this.header = header;
    }

    /** @throws KernelLoadException if the setup header is missing, truncated or older than protocol 2.06 */
    public static BzImage parse(byte[] image, String source) {
        return new BzImage(image, source, SetupHeader.parse(image, source));
    }

    public SetupHeader header() {
        return header;
    }

    public long protectedModeOffset() {
        return header.protectedModeOffset();
    }

    public int protectedModeLength() {
        return (int) (image.length - protectedModeOffset());
    }

    /** The payload's offset in the file. */
    public long payloadFileOffset() {
        checkPayload();
        return protectedModeOffset() + header.payloadOffset();
    }

    public PayloadDecompressor.Format payloadFormat() {
        checkPayload();
        return PayloadDecompressor.detect(
                image, (int) payloadFileOffset(), (int) header.payloadLength(), source, payloadFileOffset());
    }

    /** The vmlinux inside, decompressed on the host. */
    public byte[] decompressPayload() {
        checkPayload();
        return PayloadDecompressor.decompressKernelPayload(
                image,
                (int) payloadFileOffset(),
                (int) header.payloadLength(),
                source + " (payload)",
                payloadFileOffset());
    }

    /** The vmlinux inside, decompressed and parsed. */
    public ElfKernel decompressedKernel() {
        return ElfKernel.parse(decompressPayload(), source + " (decompressed payload)");
    }

    private void checkPayload() {
        if (header.version() < 0x0208) {
            throw new KernelLoadException(
                    source,
                    BootParams.VERSION,
                    "boot protocol " + SetupHeader.versionString(header.version())
                            + " does not describe its payload (2.08+ does)");
        }
        long offset = header.payloadOffset();
        long length = header.payloadLength();
        if (length == 0 || offset + length > protectedModeLength()) {
            throw new KernelLoadException(
                    source,
                    BootParams.PAYLOAD_OFFSET,
                    "the payload at 0x" + Long.toHexString(offset)
                            + " of length " + length + " is not inside the protected-mode kernel ("
                            + protectedModeLength()
                            + " bytes): truncated or corrupt file");
        }
    }

    /**
     * Loads the protected-mode kernel at 1 MiB, to be entered at its 64-bit entry point; the guest
     * decompresses itself.
     *
     * @throws KernelLoadException if the kernel has no 64-bit entry or does not fit in RAM
     */
    public LoadedKernel loadAsIs(GuestMemory memory) {
        if (!header.has64BitEntry()) {
            throw new KernelLoadException(
                    source,
                    BootParams.XLOADFLAGS,
                    "the kernel has no 64-bit entry point (protocol "
                            + SetupHeader.versionString(header.version()) + ", xloadflags 0x"
                            + Integer.toHexString(header.xloadflags())
                            + ")");
        }
        long start = MemoryLayout.KERNEL_LOAD_ADDRESS;
        long end = start + protectedModeLength();
        // The decompressor runs from the preferred (or aligned) address and needs init_size there.
        long runtimeStart = Math.max(header.prefAddress(), start);
        long reservedEnd = Math.max(end, runtimeStart + header.initSize());
        if (reservedEnd > MemoryLayout.lowRamEnd(memory.size())) {
            throw new KernelLoadException(
                    source,
                    BootParams.INIT_SIZE,
                    "the kernel needs RAM up to 0x"
                            + Long.toHexString(reservedEnd) + " (init_size 0x" + Long.toHexString(header.initSize())
                            + " from 0x"
                            + Long.toHexString(runtimeStart) + ") but the VM has " + memory.size() + " bytes");
        }
        memory.write(start, image, (int) protectedModeOffset(), protectedModeLength());
        return new LoadedKernel(
                BootProtocol.LINUX_64, start + ENTRY_64_OFFSET, start, end, reservedEnd, header, OptionalLong.empty());
    }

    /** Decompresses the payload on the host and loads the vmlinux inside at its physical addresses. */
    public LoadedKernel loadDecompressed(GuestMemory memory) {
        return decompressedKernel().load(memory, header);
    }
}
