package io.vmm4j.arch.x86.acpi;

import java.nio.charset.StandardCharsets;

/**
 * A small AML encoder: just what the DSDT needs. Every method returns a fresh byte array holding one
 * complete AML term (or resource descriptor), so terms nest by passing arrays to the enclosing term.
 *
 * <p>Grammar references are to ACPI 6.5 §20.2 (AML grammar); resource descriptors to §6.4.
 */
final class Aml {
    // §20.2.3 and §20.2.5 opcodes
    private static final int ZERO_OP = 0x00;
    private static final int ONE_OP = 0x01;
    private static final int NAME_OP = 0x08;
    private static final int BYTE_PREFIX = 0x0A;
    private static final int WORD_PREFIX = 0x0B;
    private static final int DWORD_PREFIX = 0x0C;
    private static final int STRING_PREFIX = 0x0D;
    private static final int QWORD_PREFIX = 0x0E;
    private static final int SCOPE_OP = 0x10;
    private static final int BUFFER_OP = 0x11;
    private static final int PACKAGE_OP = 0x12;
    private static final int METHOD_OP = 0x14;
    private static final int ARG0_OP = 0x68;
    private static final int NOTIFY_OP = 0x86;
    private static final int LEQUAL_OP = 0x93;
    private static final int IF_OP = 0xA0;
    private static final int EXT_OP_PREFIX = 0x5B;
    private static final int DEVICE_OP = 0x82; // after EXT_OP_PREFIX
    // §20.2.2 name strings
    private static final int ROOT_CHAR = '\\';
    private static final int PARENT_PREFIX_CHAR = '^';
    private static final int DUAL_NAME_PREFIX = 0x2E;
    private static final int MULTI_NAME_PREFIX = 0x2F;
    private static final int NULL_NAME = 0x00;

    /** Largest PkgLength: 28 bits (4 bits in the lead byte plus three whole bytes). */
    static final int MAX_PKG_LENGTH = 0x0FFF_FFFF;

    enum Trigger {
        LEVEL,
        EDGE
    }

    enum Polarity {
        ACTIVE_HIGH,
        ACTIVE_LOW
    }

    enum Sharing {
        EXCLUSIVE,
        SHARED
    }

    private Aml() {}

    /** {@code Scope (path) { terms }}: DefScope := ScopeOp PkgLength NameString TermList. */
    static byte[] scope(String path, byte[]... terms) {
        return withPkgLength(new byte[] {SCOPE_OP}, concat(nameString(path), concat(terms)));
    }

    /** {@code Device (path) { terms }}: DefDevice := DeviceOp PkgLength NameString TermList. */
    static byte[] device(String path, byte[]... terms) {
        return withPkgLength(new byte[] {EXT_OP_PREFIX, (byte) DEVICE_OP}, concat(nameString(path), concat(terms)));
    }

    /** {@code Name (path, value)}: DefName := NameOp NameString DataRefObject. */
    static byte[] name(String path, byte[] value) {
        return concat(new byte[] {NAME_OP}, nameString(path), value);
    }

    /**
     * {@code Method (path, argCount, NotSerialized) { terms }}: DefMethod := MethodOp PkgLength
     * NameString MethodFlags TermList; MethodFlags bits 0-2 are the argument count.
     */
    static byte[] method(String path, int argCount, byte[]... terms) {
        checkRange("method argument count", argCount, 7);
        return withPkgLength(
                new byte[] {METHOD_OP}, concat(nameString(path), new byte[] {(byte) argCount}, concat(terms)));
    }

    /** {@code ArgN}: the method's argument {@code n}, 0 to 6 (Arg0Op to Arg6Op). */
    static byte[] arg(int n) {
        checkRange("argument", n, 6);
        return new byte[] {(byte) (ARG0_OP + n)};
    }

    /** {@code If (predicate) { terms }}: DefIfElse := IfOp PkgLength Predicate TermList (no Else). */
    static byte[] ifThen(byte[] predicate, byte[]... terms) {
        return withPkgLength(new byte[] {(byte) IF_OP}, concat(predicate, concat(terms)));
    }

    /** {@code LEqual (left, right)}: DefLEqual := LequalOp Operand Operand. */
    static byte[] lEqual(byte[] left, byte[] right) {
        return concat(new byte[] {(byte) LEQUAL_OP}, left, right);
    }

    /** {@code Notify (path, value)}: DefNotify := NotifyOp NotifyObject NotifyValue. */
    static byte[] notify(String path, long value) {
        return concat(new byte[] {(byte) NOTIFY_OP}, nameString(path), integer(value));
    }

    /**
     * The shortest integer encoding (§20.2.3): ZeroOp, OneOp, or a Byte/Word/DWord/QWord constant.
     * The value is taken as unsigned 64-bit.
     */
    static byte[] integer(long value) {
        if (value == 0) {
            return new byte[] {ZERO_OP};
        }
        if (value == 1) {
            return new byte[] {ONE_OP};
        }
        ByteWriter out = new ByteWriter();
        if ((value & ~0xFFL) == 0) {
            out.u8(BYTE_PREFIX).u8((int) value);
        } else if ((value & ~0xFFFFL) == 0) {
            out.u8(WORD_PREFIX).u16((int) value);
        } else if ((value & ~0xFFFF_FFFFL) == 0) {
            out.u8(DWORD_PREFIX).u32(value);
        } else {
            out.u8(QWORD_PREFIX).u64(value);
        }
        return out.toByteArray();
    }

    /** A String constant: StringPrefix AsciiCharList NullChar, the characters 0x01-0x7F. */
    static byte[] string(String value) {
        if (!value.chars().allMatch(c -> c >= 0x01 && c <= 0x7F)) {
            throw new IllegalArgumentException("AML strings hold ASCII 0x01-0x7F only: \"" + value + "\"");
        }
        return new ByteWriter()
                .u8(STRING_PREFIX)
                .bytes(value.getBytes(StandardCharsets.US_ASCII))
                .u8(0)
                .toByteArray();
    }

    /** ASL {@code EisaId ("PNP0501")}: the compressed id as a DWord constant (§6.1.5, §19.6.35). */
    static byte[] eisaId(String id) {
        return new ByteWriter()
                .u8(DWORD_PREFIX)
                .u32(eisaIdValue(id) & 0xFFFF_FFFFL)
                .toByteArray();
    }

    /**
     * The 32-bit compressed EISA id: three letters as 5-bit values ('A' = 1) packed big-endian into
     * the first two bytes, then the four hex digits as two bytes, read as a little-endian DWord.
     */
    static int eisaIdValue(String id) {
        if (!id.matches("[A-Z]{3}[0-9A-F]{4}")) {
            throw new IllegalArgumentException(
                    "an EISA id is three capital letters and four hex digits: \"" + id + "\"");
        }
        int vendor = ((id.charAt(0) - '@') << 10) | ((id.charAt(1) - '@') << 5) | (id.charAt(2) - '@');
        int product = Integer.parseInt(id.substring(3), 16);
        byte[] bytes = {(byte) (vendor >>> 8), (byte) vendor, (byte) (product >>> 8), (byte) product};
        return (bytes[0] & 0xFF) | (bytes[1] & 0xFF) << 8 | (bytes[2] & 0xFF) << 16 | (bytes[3] & 0xFF) << 24;
    }

    /** {@code Package () { elements }}: PackageOp PkgLength NumElements PackageElementList. */
    static byte[] packageOf(byte[]... elements) {
        if (elements.length > 255) {
            throw new IllegalArgumentException("a Package holds at most 255 elements; use VarPackage for more");
        }
        return withPkgLength(new byte[] {PACKAGE_OP}, concat(new byte[] {(byte) elements.length}, concat(elements)));
    }

    /** {@code Buffer () { data }}: BufferOp PkgLength BufferSize ByteList. */
    static byte[] buffer(byte[] data) {
        return withPkgLength(new byte[] {BUFFER_OP}, concat(integer(data.length), data));
    }

    /**
     * A NameString (§20.2.2): an optional root prefix or parent prefixes, then dot-separated name
     * segments of up to four characters (lead A-Z or '_', then A-Z, 0-9 or '_'), padded with '_'.
     */
    static byte[] nameString(String path) {
        ByteWriter out = new ByteWriter();
        int i = 0;
        if (path.startsWith("\\")) {
            out.u8(ROOT_CHAR);
            i = 1;
        } else {
            while (i < path.length() && path.charAt(i) == '^') {
                out.u8(PARENT_PREFIX_CHAR);
                i++;
            }
        }
        String rest = path.substring(i);
        String[] segments = rest.isEmpty() ? new String[0] : rest.split("\\.", -1);
        if (segments.length == 0) {
            if (i == 0) {
                throw new IllegalArgumentException("empty AML name");
            }
            return out.u8(NULL_NAME).toByteArray();
        }
        if (segments.length == 2) {
            out.u8(DUAL_NAME_PREFIX);
        } else if (segments.length > 2) {
            if (segments.length > 255) {
                throw new IllegalArgumentException("too many name segments in " + path);
            }
            out.u8(MULTI_NAME_PREFIX).u8(segments.length);
        }
        for (String segment : segments) {
            out.ascii(nameSegment(segment, path), 4);
        }
        return out.toByteArray();
    }

    private static String nameSegment(String segment, String path) {
        if (!segment.matches("[A-Z_][A-Z0-9_]{0,3}")) {
            throw new IllegalArgumentException("bad AML name segment \"" + segment + "\" in \"" + path + "\"");
        }
        return segment + "_".repeat(4 - segment.length());
    }

    /**
     * The PkgLength encoding (§20.2.4) for a package whose contents after the PkgLength are
     * {@code bodyLength} bytes. The encoded value counts the PkgLength bytes too. One byte holds a
     * length up to 63 in bits 0-5; otherwise bits 7-6 of the lead byte give how many bytes follow
     * (1-3), bits 3-0 hold the low nibble and each following byte the next 8 bits (so 2 bytes reach
     * 4095, 3 bytes 1 MiB - 1, 4 bytes 2^28 - 1).
     */
    static byte[] pkgLength(int bodyLength) {
        if (bodyLength < 0) {
            throw new IllegalArgumentException("negative length " + bodyLength);
        }
        if (bodyLength + 1 <= 0x3F) {
            return new byte[] {(byte) (bodyLength + 1)};
        }
        for (int extra = 1; extra <= 3; extra++) {
            long total = (long) bodyLength + 1 + extra;
            if (total < 1L << (4 + 8 * extra)) {
                byte[] out = new byte[1 + extra];
                out[0] = (byte) ((extra << 6) | (int) (total & 0x0F));
                for (int b = 1; b <= extra; b++) {
                    out[b] = (byte) (total >>> (4 + 8 * (b - 1)));
                }
                return out;
            }
        }
        throw new IllegalArgumentException(
                "AML package of " + bodyLength + " bytes exceeds the PkgLength limit " + MAX_PKG_LENGTH);
    }

    // --- Resource descriptors (§6.4) ---

    /**
     * ASL {@code ResourceTemplate () { descriptors }}: a Buffer holding the descriptors and an End Tag
     * (§6.4.2.9) whose checksum byte is 0, meaning "treat the checksum as valid".
     */
    static byte[] resourceTemplate(byte[]... descriptors) {
        return buffer(concat(concat(descriptors), new byte[] {0x79, 0x00}));
    }

    /** ASL {@code IO (Decode16, min, max, alignment, length)}: the small I/O Port Descriptor (§6.4.2.5). */
    static byte[] io(int minimum, int maximum, int alignment, int length) {
        checkRange("IO minimum", minimum, 0xFFFF);
        checkRange("IO maximum", maximum, 0xFFFF);
        checkRange("IO alignment", alignment, 0xFF);
        checkRange("IO length", length, 0xFF);
        return new ByteWriter()
                .u8(0x47) // small item, type 0x08, length 7
                .u8(0x01) // decodes 16 address bits
                .u16(minimum)
                .u16(maximum)
                .u8(alignment)
                .u8(length)
                .toByteArray();
    }

    /**
     * ASL {@code IRQNoFlags () { irqs }}: the two-byte IRQ Descriptor (§6.4.2.1), ISA IRQs 0-15,
     * edge-triggered and active-high.
     */
    static byte[] irqNoFlags(int... irqs) {
        int mask = 0;
        for (int irq : irqs) {
            checkRange("ISA IRQ", irq, 15);
            mask |= 1 << irq;
        }
        return new ByteWriter()
                .u8(0x22) // small item, type 0x04, length 2
                .u16(mask)
                .toByteArray();
    }

    /** ASL {@code Memory32Fixed (ReadWrite|ReadOnly, base, length)} (§6.4.3.4). */
    static byte[] memory32Fixed(boolean writable, long base, long length) {
        checkRange("Memory32Fixed base", base, 0xFFFF_FFFFL);
        checkRange("Memory32Fixed length", length, 0xFFFF_FFFFL);
        return new ByteWriter()
                .u8(0x86) // large item, type 0x06
                .u16(9) // length of the data that follows the length field
                .u8(writable ? 1 : 0)
                .u32(base)
                .u32(length)
                .toByteArray();
    }

    /**
     * ASL {@code Interrupt (ResourceConsumer, trigger, polarity, sharing) { gsis }}: the Extended
     * Interrupt Descriptor (§6.4.3.6). The flags byte: bit 0 consumer, bit 1 edge, bit 2 active-low,
     * bit 3 shared.
     */
    static byte[] interrupt(Trigger trigger, Polarity polarity, Sharing sharing, int... gsis) {
        if (gsis.length < 1 || gsis.length > 255) {
            throw new IllegalArgumentException("an Interrupt descriptor lists 1 to 255 interrupts");
        }
        int flags = 0x01
                | (trigger == Trigger.EDGE ? 0x02 : 0)
                | (polarity == Polarity.ACTIVE_LOW ? 0x04 : 0)
                | (sharing == Sharing.SHARED ? 0x08 : 0);
        ByteWriter out = new ByteWriter()
                .u8(0x89) // large item, type 0x09
                .u16(2 + 4 * gsis.length)
                .u8(flags)
                .u8(gsis.length);
        for (int gsi : gsis) {
            checkRange("interrupt number", gsi, Integer.MAX_VALUE);
            out.u32(gsi);
        }
        return out.toByteArray();
    }

    private static void checkRange(String what, long value, long max) {
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(
                    what + " must be 0 to 0x" + Long.toHexString(max) + ", was 0x" + Long.toHexString(value));
        }
    }

    private static byte[] withPkgLength(byte[] opcode, byte[] body) {
        return concat(opcode, pkgLength(body.length), body);
    }

    static byte[] concat(byte[]... parts) {
        ByteWriter out = new ByteWriter();
        for (byte[] part : parts) {
            out.bytes(part);
        }
        return out.toByteArray();
    }
}
