package io.vmm4j.arch.x86.acpi;

import java.util.Arrays;
import java.util.Objects;

/**
 * One ACPI table and the guest physical address it is built for.
 *
 * @param signature "RSD PTR " for the RSDP, else the 4-character table signature (XSDT, FACP, APIC, DSDT)
 * @param address guest physical address of the first byte
 * @param bytes the whole table, checksums set (a copy on the way in and on the way out)
 */
public record PlacedTable(String signature, long address, byte[] bytes) {
    public PlacedTable {
        Objects.requireNonNull(signature, "signature");
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    /** The first address after the table. */
    public long end() {
        return address + bytes.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PlacedTable that
                && signature.equals(that.signature)
                && address == that.address
                && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(signature, address, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        return "PlacedTable[" + signature + " @ 0x" + Long.toHexString(address) + ", " + bytes.length + " bytes]";
    }
}
