package io.vmm4j.arch.x86.acpi;

/**
 * The Root System Description Pointer, ACPI 2.0+ form (ACPI 6.5 §5.2.5.3, Table 5.3): 36 bytes, no
 * SDT header. It points only at the XSDT; the 32-bit RSDT address is 0 since there is no RSDT.
 */
final class Rsdp {
    static final int LENGTH = 36;
    static final int REVISION = 2;
    /** The first checksum covers the ACPI 1.0 part: bytes 0-19. */
    static final int V1_LENGTH = 20;

    static final int CHECKSUM_OFFSET = 8;
    static final int EXTENDED_CHECKSUM_OFFSET = 32;

    private Rsdp() {}

    static byte[] build(AcpiPlatform platform, long xsdtAddress) {
        byte[] rsdp = new ByteWriter()
                .ascii("RSD PTR ", 8)
                .u8(0) // checksum of bytes 0-19
                .ascii(platform.oemId(), 6)
                .u8(REVISION)
                .u32(0) // RsdtAddress: none
                .u32(LENGTH)
                .u64(xsdtAddress)
                .u8(0) // extended checksum of all 36 bytes
                .zeros(3)
                .toByteArray();
        rsdp[CHECKSUM_OFFSET] = SystemDescriptionTable.checksumByte(rsdp, 0, V1_LENGTH);
        rsdp[EXTENDED_CHECKSUM_OFFSET] = SystemDescriptionTable.checksumByte(rsdp, 0, LENGTH);
        return rsdp;
    }
}
