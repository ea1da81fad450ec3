package io.vmm4j.arch.x86.acpi;

import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.arch.x86.MemoryLayout;
import java.util.List;
import java.util.Objects;

/**
 * What the ACPI tables describe: the vCPUs, the virtio-mmio devices and whether the PC's ISA devices
 * exist.
 *
 * @param vcpuCount vCPUs, 1 to {@value #MAX_VCPUS}; vCPU {@code i} gets local APIC id {@code i}
 * @param virtioSlots the virtio-mmio devices, in the order they are named VR00, VR01, ...
 * @param pcLegacyDevices whether the ISA devices {@link io.vmm4j.arch.x86.PcPlatform} installs exist:
 *     the 16550 UART at I/O port 0x3f8, IRQ 4 and the CMOS RTC at ports 0x70-0x71, IRQ 8
 * @param oemId the OEM id in every table header: at most 6 printable ASCII characters, padded with
 *     spaces
 * @param oemTableId the OEM table id in every table header: at most 8 printable ASCII characters,
 *     padded with spaces
 * @param vmGenerationId whether the DSDT describes the VM Generation ID device (VGEN, its id at
 *     {@link MemoryLayout#VMGENID_ADDRESS}) and the Generic Event Device (GED, GSI
 *     {@link MemoryLayout#GED_IRQ}) that notifies the guest when the id changes
 */
public record AcpiPlatform(
        int vcpuCount,
        List<VirtioMmioSlot> virtioSlots,
        boolean pcLegacyDevices,
        String oemId,
        String oemTableId,
        boolean vmGenerationId) {
    public static final String DEFAULT_OEM_ID = "VMM4J ";
    public static final String DEFAULT_OEM_TABLE_ID = "VMM4JVM ";
    /**
     * MADT Processor Local APIC entries carry 8-bit ids, and processor UID 0xFF means "all processors"
     * in the LAPIC NMI entry, so UIDs (= APIC ids) run from 0 to 254.
     */
    public static final int MAX_VCPUS = 255;
    /** The device names VR00 to VR99 are two decimal digits. */
    public static final int MAX_VIRTIO_SLOTS = 100;

    public AcpiPlatform {
        if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
            throw new IllegalArgumentException("vcpuCount must be 1 to " + MAX_VCPUS + ", was " + vcpuCount);
        }
        virtioSlots = List.copyOf(Objects.requireNonNull(virtioSlots, "virtioSlots"));
        if (virtioSlots.size() > MAX_VIRTIO_SLOTS) {
            throw new IllegalArgumentException(
                    "at most " + MAX_VIRTIO_SLOTS + " virtio slots, got " + virtioSlots.size());
        }
        for (VirtioMmioSlot slot : virtioSlots) {
            // Memory32Fixed carries a 32-bit base and length (ACPI 6.5 §6.4.3.4).
            if (slot.base() < 0 || slot.size() <= 0 || slot.base() + slot.size() > 0x1_0000_0000L) {
                throw new IllegalArgumentException("virtio slot window must lie below 4 GiB: " + slot);
            }
            // The MADT gives the one IOAPIC GSIs from 0; it has pins up to LAST_IOAPIC_IRQ.
            if (slot.irq() < 0 || slot.irq() > MemoryLayout.LAST_IOAPIC_IRQ) { // GED_IRQ checked below
                throw new IllegalArgumentException(
                        "virtio slot irq must be an IOAPIC pin, 0 to " + MemoryLayout.LAST_IOAPIC_IRQ + ": " + slot);
            }
        }
        if (vmGenerationId && virtioSlots.stream().anyMatch(slot -> slot.irq() == MemoryLayout.GED_IRQ)) {
            throw new IllegalArgumentException("GSI " + MemoryLayout.GED_IRQ + " is the Generic Event Device's");
        }
        oemId = padded(oemId, 6, "oemId");
        oemTableId = padded(oemTableId, 8, "oemTableId");
    }

    /** A platform without the VM Generation ID device. */
    public AcpiPlatform(
            int vcpuCount, List<VirtioMmioSlot> virtioSlots, boolean pcLegacyDevices, String oemId, String oemTableId) {
        this(vcpuCount, virtioSlots, pcLegacyDevices, oemId, oemTableId, false);
    }

    /** This platform with or without the VM Generation ID device. */
    public AcpiPlatform withVmGenerationId(boolean enabled) {
        return new AcpiPlatform(vcpuCount, virtioSlots, pcLegacyDevices, oemId, oemTableId, enabled);
    }

    /** A platform with the default OEM id {@value #DEFAULT_OEM_ID} and OEM table id {@value #DEFAULT_OEM_TABLE_ID}. */
    public static AcpiPlatform of(int vcpuCount, List<VirtioMmioSlot> virtioSlots, boolean pcLegacyDevices) {
        return new AcpiPlatform(vcpuCount, virtioSlots, pcLegacyDevices, DEFAULT_OEM_ID, DEFAULT_OEM_TABLE_ID);
    }

    private static String padded(String value, int length, String what) {
        Objects.requireNonNull(value, what);
        if (value.length() > length || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException(
                    what + " must be at most " + length + " printable ASCII characters: \"" + value + "\"");
        }
        return value + " ".repeat(length - value.length());
    }
}
