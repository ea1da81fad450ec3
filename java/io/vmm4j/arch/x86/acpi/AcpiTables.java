package io.vmm4j.arch.x86.acpi;

import io.vmm4j.arch.x86.MemoryLayout;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The ACPI tables of an x86 VM, built for fixed guest addresses: the RSDP at
 * {@link MemoryLayout#ACPI_RSDP_ADDRESS}, then XSDT, FADT, MADT and DSDT laid out from
 * {@link MemoryLayout#ACPI_TABLES_START}, each on a 16-byte boundary. The XSDT lists the FADT and the
 * MADT; the FADT points at the DSDT. Write {@link #image()} at {@link #baseAddress()} (or each of
 * {@link #tables()} at its address) into guest memory, and reserve that range in the e820 map.
 */
public final class AcpiTables {
    private static final int TABLE_ALIGNMENT = 16;

    private final List<PlacedTable> tables;

    private AcpiTables(List<PlacedTable> tables) {
        this.tables = List.copyOf(tables);
    }

    /** Where the RSDP goes; what boot_params.acpi_rsdp_addr (or acpi_rsdp=) should hold. */
    public static long rsdpAddress() {
        return MemoryLayout.ACPI_RSDP_ADDRESS;
    }

    /** Builds and places every table for {@code platform}. */
    public static AcpiTables build(AcpiPlatform platform) {
        // Only the XSDT and the FADT hold addresses, and every table's size is known without them.
        byte[] madt = Madt.build(platform);
        byte[] dsdt = Dsdt.build(platform);
        long xsdtAddress = MemoryLayout.ACPI_TABLES_START;
        long fadtAddress = align(xsdtAddress + Xsdt.length(2));
        long madtAddress = align(fadtAddress + Fadt.LENGTH);
        long dsdtAddress = align(madtAddress + madt.length);
        if (dsdtAddress + dsdt.length > MemoryLayout.ACPI_AREA_END) {
            throw new IllegalArgumentException("the ACPI tables need " + (dsdtAddress + dsdt.length - rsdpAddress())
                    + " bytes, more than the ACPI area holds");
        }
        return new AcpiTables(List.of(
                new PlacedTable("RSD PTR ", rsdpAddress(), Rsdp.build(platform, xsdtAddress)),
                new PlacedTable(Xsdt.SIGNATURE, xsdtAddress, Xsdt.build(platform, List.of(fadtAddress, madtAddress))),
                new PlacedTable(Fadt.SIGNATURE, fadtAddress, Fadt.build(platform, dsdtAddress)),
                new PlacedTable(Madt.SIGNATURE, madtAddress, madt),
                new PlacedTable(Dsdt.SIGNATURE, dsdtAddress, dsdt)));
    }

    /** RSDP, XSDT, FACP, APIC, DSDT, in address order. */
    public List<PlacedTable> tables() {
        return tables;
    }

    /** The table with this signature ("RSD PTR ", "XSDT", "FACP", "APIC" or "DSDT"). */
    public PlacedTable table(String signature) {
        return tables.stream()
                .filter(t -> t.signature().equals(signature))
                .findFirst()
                .orElseThrow(() -> new NoSuchElementException("no ACPI table " + signature));
    }

    /** The guest address of {@link #image()}: the RSDP's. */
    public long baseAddress() {
        return rsdpAddress();
    }

    /** Every table in one contiguous array from {@link #baseAddress()}, zeros between them. */
    public byte[] image() {
        PlacedTable last = tables.get(tables.size() - 1);
        byte[] image = new byte[Math.toIntExact(last.end() - baseAddress())];
        for (PlacedTable table : tables) {
            byte[] bytes = table.bytes();
            System.arraycopy(bytes, 0, image, Math.toIntExact(table.address() - baseAddress()), bytes.length);
        }
        return image;
    }

    private static long align(long address) {
        return (address + TABLE_ALIGNMENT - 1) & -TABLE_ALIGNMENT;
    }
}
