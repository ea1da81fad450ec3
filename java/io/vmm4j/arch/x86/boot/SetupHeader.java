package io.vmm4j.arch.x86.boot;

import static io.vmm4j.arch.x86.boot.BootParams.*;

import io.vmm4j.arch.x86.KernelLoadException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A kernel's {@code struct setup_header}: the bytes from 0x1f1 to the header's end, read from a
 * bzImage (or made up for an ELF vmlinux, which has none). Offsets are those of the zero page.
 */
public final class SetupHeader {
    /** Protocol 2.06 is the first with cmdline_size; older kernels are not supported. */
    public static final int MIN_VERSION = 0x0206;
    /** Setup sectors when the field is 0, for compatibility (boot.rst). */
    private static final int LEGACY_SETUP_SECTS = 4;
    /** x86 COMMAND_LINE_SIZE is 2048 bytes with the NUL: the limit for kernels that do not say. */
    public static final int DEFAULT_CMDLINE_SIZE = 2047;

    private final ByteBuffer bytes;

    private SetupHeader(byte[] bytes) {
        this.bytes = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads and checks the setup header of a bzImage.
     *
     * @throws KernelLoadException if the image is too short, the boot flag or "HdrS" magic is
     *     missing, or the protocol is older than 2.06
     */
    public static SetupHeader parse(byte[] image, String source) {
        if (image.length < VERSION + 2) {
            throw new KernelLoadException(
                    source,
                    image.length,
                    "truncated: " + image.length + " bytes is too short for a bzImage setup header (it ends past 0x"
                            + Integer.toHexString(VERSION + 2) + ")");
        }
        int bootFlag = u16(image, BOOT_FLAG);
        if (bootFlag != BOOT_FLAG_VALUE) {
            throw new KernelLoadException(
                    source,
                    BOOT_FLAG,
                    "not a bzImage: boot_flag is 0x" + Integer.toHexString(bootFlag) + ", expected 0xaa55");
        }
        int magic = u16(image, HEADER) | u16(image, HEADER + 2) << 16;
        if (magic != HEADER_MAGIC) {
            throw new KernelLoadException(
                    source,
                    HEADER,
                    "not a bzImage: no \"HdrS\" setup header magic (found 0x" + Integer.toHexString(magic)
                            + "); zImages and pre-2.00 kernels are not supported");
        }
        int version = u16(image, VERSION);
        if (version < MIN_VERSION) {
            throw new KernelLoadException(
                    source,
                    VERSION,
                    "boot protocol " + versionString(version) + " is too old: vmm4j needs 2.06 or newer");
        }
        // The header ends where the jump at 0x200 lands: 0x202 plus its 8-bit displacement.
        int end = Math.min(HEADER + (image[JUMP + 1] & 0xff), SETUP_HEADER_LIMIT);
        if (image.length < end) {
            throw new KernelLoadException(
                    source,
                    image.length,
                    "truncated inside the setup header, which ends at 0x" + Integer.toHexString(end));
        }
        byte[] header = new byte[SETUP_HEADER_LIMIT - SETUP_HEADER];
        System.arraycopy(image, SETUP_HEADER, header, 0, end - SETUP_HEADER);
        SetupHeader parsed = new SetupHeader(header);
        long protectedModeOffset = parsed.protectedModeOffset();
        if (image.length <= protectedModeOffset) {
            throw new KernelLoadException(
                    source,
                    image.length,
                    "truncated: the protected-mode kernel should start at 0x"
                            + Long.toHexString(protectedModeOffset) + " (setup_sects " + parsed.setupSects()
                            + ") but the file has only " + image.length + " bytes");
        }
        return parsed;
    }

    /**
     * The header an ELF vmlinux boots with: the magic, our protocol version, relocatable with
     * 16 MiB alignment (as Firecracker sets) and the default command-line size.
     */
    public static SetupHeader forElfKernel() {
        SetupHeader header = new SetupHeader(new byte[SETUP_HEADER_LIMIT - SETUP_HEADER]);
        header.bytes.putShort(BOOT_FLAG - SETUP_HEADER, (short) BOOT_FLAG_VALUE);
        header.bytes.putInt(HEADER - SETUP_HEADER, HEADER_MAGIC);
        header.bytes.putShort(VERSION - SETUP_HEADER, (short) 0x020f);
        header.bytes.putInt(KERNEL_ALIGNMENT - SETUP_HEADER, 0x100_0000);
        header.bytes.putInt(INITRD_ADDR_MAX - SETUP_HEADER, 0x7fff_ffff);
        header.bytes.putInt(CMDLINE_SIZE - SETUP_HEADER, DEFAULT_CMDLINE_SIZE);
        return header;
    }

    /** The raw header, 0x1f1 to 0x290 of the zero page (zero past the kernel's header end). */
    public byte[] bytes() {
        return bytes.array().clone();
    }

    public int setupSects() {
        int sects = u8(SETUP_SECTS);
        return sects == 0 ? LEGACY_SETUP_SECTS : sects;
    }

    /** Where the protected-mode kernel starts in the bzImage: after the boot sector and setup. */
    public long protectedModeOffset() {
        return (setupSects() + 1L) * 512;
    }

    public int version() {
        return u16(VERSION);
    }

    public int loadflags() {
        return u8(LOADFLAGS);
    }

    public long code32Start() {
        return u32(CODE32_START);
    }

    /** The highest address the initrd may occupy (its last byte). */
    public long initrdAddrMax() {
        return u32(INITRD_ADDR_MAX);
    }

    public long kernelAlignment() {
        return u32(KERNEL_ALIGNMENT);
    }

    public boolean relocatable() {
        return u8(RELOCATABLE_KERNEL) != 0;
    }

    public int xloadflags() {
        return version() >= 0x020c ? u16(XLOADFLAGS) : 0;
    }

    /** Whether the kernel has the 64-bit entry point 0x200 past its protected-mode start. */
    public boolean has64BitEntry() {
        return (xloadflags() & XLF_KERNEL_64) != 0;
    }

    /** The longest command line the kernel takes, without the NUL. */
    public long cmdlineSize() {
        long size = u32(CMDLINE_SIZE);
        return size == 0 ? DEFAULT_CMDLINE_SIZE : size;
    }

    /** Where the compressed payload starts, relative to the protected-mode kernel (protocol 2.08+). */
    public long payloadOffset() {
        return version() >= 0x0208 ? u32(PAYLOAD_OFFSET) : 0;
    }

    public long payloadLength() {
        return version() >= 0x0208 ? u32(PAYLOAD_LENGTH) : 0;
    }

    public long prefAddress() {
        return version() >= 0x020a ? bytes.getLong(PREF_ADDRESS - SETUP_HEADER) : 0;
    }

    /** Bytes the kernel needs from its runtime start address before it can set up its own memory map. */
    public long initSize() {
        return version() >= 0x020a ? u32(INIT_SIZE) : 0;
    }

    public static String versionString(int version) {
        return (version >> 8) + "." + String.format("%02d", version & 0xff);
    }

    @Override
    public String toString() {
        return "SetupHeader[protocol " + versionString(version()) + ", setup_sects " + setupSects() + ", xloadflags 0x"
                + Integer.toHexString(xloadflags()) + ", payload 0x" + Long.toHexString(payloadOffset()) + "+0x"
                + Long.toHexString(payloadLength()) + ", init_size 0x" + Long.toHexString(initSize()) + "]";
    }

    private int u8(int offset) {
        return bytes.get(offset - SETUP_HEADER) & 0xff;
    }

    private int u16(int offset) {
        return bytes.getShort(offset - SETUP_HEADER) & 0xffff;
    }

    private long u32(int offset) {
        return bytes.getInt(offset - SETUP_HEADER) & 0xffff_ffffL;
    }

    private static int u16(byte[] image, int offset) {
        return (image[offset] & 0xff) | (image[offset + 1] & 0xff) << 8;
    }
}
