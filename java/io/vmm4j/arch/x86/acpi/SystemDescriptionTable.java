package io.vmm4j.arch.x86.acpi;

/**
 * The header every ACPI table but the RSDP starts with (ACPI 6.5 §5.2.6, Table 5.4), and checksums.
 */
final class SystemDescriptionTable {
    static final int HEADER_LENGTH = 36;
    static final int LENGTH_OFFSET = 4;
    static final int CHECKSUM_OFFSET = 9;
    static final String CREATOR_ID = "VMM4";
    static final int CREATOR_REVISION = 1;
    static final int OEM_REVISION = 1;

    private SystemDescriptionTable() {}

    /** {@code signature}'s table: the 36-byte header, then {@code body}, with length and checksum set. */
    static byte[] build(String signature, int revision, AcpiPlatform platform, byte[] body) {
        byte[] table = new ByteWriter()
                .ascii(signature, 4)
                .u32(HEADER_LENGTH + body.length)
                .u8(revision)
                .u8(0) // checksum, set below
                .ascii(platform.oemId(), 6)
                .ascii(platform.oemTableId(), 8)
                .u32(OEM_REVISION)
                .ascii(CREATOR_ID, 4)
                .u32(CREATOR_REVISION)
                .bytes(body)
                .toByteArray();
        table[CHECKSUM_OFFSET] = checksumByte(table, 0, table.length);
        return table;
    }

    /** The byte that makes {@code data[from, to)} sum to zero mod 256, given that it is 0 now. */
    static byte checksumByte(byte[] data, int from, int to) {
        int sum = 0;
        for (int i = from; i < to; i++) {
            sum += data[i];
        }
        return (byte) -sum;
    }
}
