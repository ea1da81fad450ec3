package io.vmm4j.arch.x86.boot;

import io.vmm4j.arch.x86.E820Entry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The zero page, {@code struct boot_params}, built in a 4096-byte buffer. Offsets are those of
 * arch/x86/include/uapi/asm/bootparam.h and Documentation/arch/x86/boot.rst; the setup header sits
 * at the same offsets in the zero page as in the first sectors of a bzImage.
 */
public final class BootParams {
    public static final int SIZE = 4096;

    // struct boot_params
    public static final int ACPI_RSDP_ADDR = 0x070;
    public static final int EXT_RAMDISK_IMAGE = 0x0c0;
    public static final int EXT_RAMDISK_SIZE = 0x0c4;
    public static final int EXT_CMD_LINE_PTR = 0x0c8;
    public static final int E820_ENTRIES = 0x1e8;
    public static final int SENTINEL = 0x1ef;
    public static final int E820_TABLE = 0x2d0;
    public static final int E820_ENTRY_SIZE = 20;
    public static final int E820_MAX_ENTRIES = 128;

    // struct setup_header, from 0x1f1
    public static final int SETUP_HEADER = 0x1f1;
    public static final int SETUP_SECTS = 0x1f1;
    public static final int BOOT_FLAG = 0x1fe;
    public static final int JUMP = 0x200;
    public static final int HEADER = 0x202;
    public static final int VERSION = 0x206;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int CODE32_START = 0x214;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21c;
    public static final int HEAP_END_PTR = 0x224;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int INITRD_ADDR_MAX = 0x22c;
    public static final int KERNEL_ALIGNMENT = 0x230;
    public static final int RELOCATABLE_KERNEL = 0x234;
    public static final int XLOADFLAGS = 0x236;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int PAYLOAD_OFFSET = 0x248;
    public static final int PAYLOAD_LENGTH = 0x24c;
    public static final int PREF_ADDRESS = 0x258;
    public static final int INIT_SIZE = 0x260;
    /** The zero page keeps room for the setup header up to here (then edd_mbr_sig_buffer). */
    public static final int SETUP_HEADER_LIMIT = 0x290;

    public static final int BOOT_FLAG_VALUE = 0xAA55;
    public static final int HEADER_MAGIC = 0x53726448; // "HdrS"
    /** "Undefined" boot loader id: we have none registered. */
    public static final int TYPE_OF_LOADER_UNDEFINED = 0xff;

    public static final int LOADED_HIGH = 0x01;
    public static final int CAN_USE_HEAP = 0x80;
    public static final int XLF_KERNEL_64 = 0x01;
    public static final int XLF_CAN_BE_LOADED_ABOVE_4G = 0x02;
    /** The example of boot.rst: the setup heap ends 0x200 below 0xfe00. */
    public static final int HEAP_END_PTR_VALUE = 0xfe00 - 0x200;

    private final ByteBuffer page = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);

    /** A zeroed zero page carrying the kernel's setup header, and our loader id and flags. */
    public BootParams(SetupHeader header) {
        page.put(SETUP_HEADER, header.bytes());
        page.put(TYPE_OF_LOADER, (byte) TYPE_OF_LOADER_UNDEFINED);
        page.put(LOADFLAGS, (byte) (header.loadflags() | LOADED_HIGH | CAN_USE_HEAP));
        page.putShort(HEAP_END_PTR, (short) HEAP_END_PTR_VALUE);
    }

    public BootParams setCodeStart(long address) {
        page.putInt(CODE32_START, (int) requireBelow4G("code32_start", address));
        return this;
    }

    public BootParams setCommandLine(long address) {
        page.putInt(CMD_LINE_PTR, (int) address);
        page.putInt(EXT_CMD_LINE_PTR, (int) (address >>> 32));
        return this;
    }

    public BootParams setRamdisk(long address, long size) {
        page.putInt(RAMDISK_IMAGE, (int) address);
        page.putInt(EXT_RAMDISK_IMAGE, (int) (address >>> 32));
        page.putInt(RAMDISK_SIZE, (int) size);
        page.putInt(EXT_RAMDISK_SIZE, (int) (size >>> 32));
        return this;
    }

    public BootParams setAcpiRsdp(long address) {
        page.putLong(ACPI_RSDP_ADDR, address);
        return this;
    }

    public BootParams setE820(List<E820Entry> entries) {
        if (entries.size() > E820_MAX_ENTRIES) {
            throw new IllegalArgumentException(
                    "the zero page holds at most " + E820_MAX_ENTRIES + " e820 entries, not " + entries.size());
        }
        page.put(E820_ENTRIES, (byte) entries.size());
        for (int i = 0; i < entries.size(); i++) {
            E820Entry entry = entries.get(i);
            int at = E820_TABLE + i * E820_ENTRY_SIZE;
            page.putLong(at, entry.address());
            page.putLong(at + 8, entry.size());
            page.putInt(at + 16, entry.type());
        }
        return this;
    }

    public byte[] toBytes() {
        return page.array().clone();
    }

    private static long requireBelow4G(String field, long address) {
        if (address < 0 || address > 0xffff_ffffL) {
            throw new IllegalArgumentException(field + " must be below 4 GiB, was 0x" + Long.toHexString(address));
        }
        return address;
    }
}
