package io.vmm4j.arch.x86.acpi;

import java.util.List;

/** The Extended System Description Table (ACPI 6.5 §5.2.8): the header, then 64-bit table addresses. */
final class Xsdt {
    static final String SIGNATURE = "XSDT";
    static final int REVISION = 1;

    private Xsdt() {}

    static int length(int entries) {
        return SystemDescriptionTable.HEADER_LENGTH + 8 * entries;
    }

    static byte[] build(AcpiPlatform platform, List<Long> tableAddresses) {
        ByteWriter body = new ByteWriter();
        tableAddresses.forEach(body::u64);
        return SystemDescriptionTable.build(SIGNATURE, REVISION, platform, body.toByteArray());
    }
}
