package io.vmm4j.arch.x86.acpi;

import io.vmm4j.arch.x86.MemoryLayout;

/**
 * The Multiple APIC Description Table, signature APIC (ACPI 6.5 §5.2.12): the local APIC address and
 * flags, then one interrupt controller structure per entry.
 *
 * <p>Entries, in order: one Processor Local APIC per vCPU (UID and APIC id = vCPU index, enabled),
 * the IOAPIC (id 0, GSIs from 0), the ISA IRQ 0 → GSI 2 override (the PIT's output is wired to IOAPIC
 * pin 2, as on a PC and in QEMU and KVM's in-kernel irqchip) and a Local APIC NMI on LINT1 for all
 * processors (the PC wiring of NMI).
 */
final class Madt {
    static final String SIGNATURE = "APIC";
    /** Revision 6: ACPI 6.5. */
    static final int REVISION = 6;
    /** PCAT_COMPAT: the platform also has dual 8259 PICs (KVM's in-kernel irqchip has them). */
    static final int FLAG_PCAT_COMPAT = 1;

    // Structure types (§5.2.12, Table 5.21) and their lengths.
    static final int TYPE_LOCAL_APIC = 0;
    static final int LOCAL_APIC_LENGTH = 8;
    static final int TYPE_IO_APIC = 1;
    static final int IO_APIC_LENGTH = 12;
    static final int TYPE_INTERRUPT_SOURCE_OVERRIDE = 2;
    static final int INTERRUPT_SOURCE_OVERRIDE_LENGTH = 10;
    static final int TYPE_LOCAL_APIC_NMI = 4;
    static final int LOCAL_APIC_NMI_LENGTH = 6;

    static final int LOCAL_APIC_ENABLED = 1;
    static final int IO_APIC_ID = 0;
    static final int ALL_PROCESSORS_UID = 0xFF;
    /** MPS INTI flags 0: polarity and trigger mode conform to the bus (ISA: edge, active high). */
    static final int MPS_INTI_CONFORMS = 0;

    private Madt() {}

    static byte[] build(AcpiPlatform platform) {
        ByteWriter body = new ByteWriter().u32(MemoryLayout.LAPIC_BASE).u32(FLAG_PCAT_COMPAT);
        for (int cpu = 0; cpu < platform.vcpuCount(); cpu++) {
            // §5.2.12.2: processor UID, APIC id, flags (bit 0: enabled)
            body.u8(TYPE_LOCAL_APIC).u8(LOCAL_APIC_LENGTH).u8(cpu).u8(cpu).u32(LOCAL_APIC_ENABLED);
        }
        // §5.2.12.3: id, reserved, address, global system interrupt base
        body.u8(TYPE_IO_APIC)
                .u8(IO_APIC_LENGTH)
                .u8(IO_APIC_ID)
                .u8(0)
                .u32(MemoryLayout.IOAPIC_BASE)
                .u32(0);
        // §5.2.12.5: bus 0 (ISA), source IRQ 0, GSI 2, flags
        body.u8(TYPE_INTERRUPT_SOURCE_OVERRIDE)
                .u8(INTERRUPT_SOURCE_OVERRIDE_LENGTH)
                .u8(0)
                .u8(0)
                .u32(2)
                .u16(MPS_INTI_CONFORMS);
        // §5.2.12.7: processor UID 0xFF (all), flags, LINT# 1
        body.u8(TYPE_LOCAL_APIC_NMI)
                .u8(LOCAL_APIC_NMI_LENGTH)
                .u8(ALL_PROCESSORS_UID)
                .u16(MPS_INTI_CONFORMS)
                .u8(1);
        return SystemDescriptionTable.build(SIGNATURE, REVISION, platform, body.toByteArray());
    }
}
