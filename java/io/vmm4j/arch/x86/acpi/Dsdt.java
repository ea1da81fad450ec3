package io.vmm4j.arch.x86.acpi;

import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.arch.x86.MemoryLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The Differentiated System Description Table (ACPI 6.5 §5.2.11.1): the header, then AML. Revision 2
 * makes AML integers 64 bits wide.
 *
 * <pre>
 * Scope (\_SB) {
 *   Device (COM1) { _HID EisaId("PNP0501"), _UID 0, _STA 0xF,
 *                   _CRS { IO (Decode16, 0x3F8, 0x3F8, 1, 8), Interrupt (..., Edge, ActiveHigh, Exclusive) {4} } }
 *   Device (RTC_) { _HID EisaId("PNP0B00"), _UID 0, _STA 0xF,
 *                   _CRS { IO (Decode16, 0x70, 0x70, 1, 2), IRQNoFlags () {8} } }
 *   Device (VRnn) { _HID "LNRO0005", _UID nn, _STA 0xF,
 *                   _CRS { Memory32Fixed (ReadWrite, base, size), Interrupt (..., Edge, ActiveHigh, Exclusive) {irq} } }
 *   Device (VGEN) { _HID "VMMJ0001", _CID { "VMGENCTR", "VM_Gen_Counter" }, _DDN "VM_Gen_Counter", _STA 0xF,
 *                   ADDR Package { low 32 bits, high 32 bits of the id's address } }
 *   Device (GED_) { _HID "ACPI0013", _UID 0, _STA 0xF,
 *                   _CRS { Interrupt (..., Edge, ActiveHigh, Exclusive) {23} },
 *                   Method (_EVT, 1) { If (LEqual (Arg0, 23)) { Notify (\_SB.VGEN, 0x80) } } }
 * }
 * </pre>
 *
 * <p>Linux's rtc_cmos binds to the PNP0B00 device through PNP. Without it, x86 Linux registers a
 * platform RTC with a fixed IRQ 8 that a hardware-reduced platform (no legacy PIC, so no ISA IRQ
 * mappings) never set up, and the probe fails with -EINVAL; the descriptor maps GSI 8 for it.
 *
 * <p>VGEN is the VM Generation ID device (Microsoft's "Virtual Machine Generation ID" paper):
 * Linux's vmgenid driver (5.18 and later) matches a _CID: VMGENCTR, or VM_Gen_Counter, the name
 * Microsoft's paper gives, once ACPICA upper-cases it. The _HID is an ACPI id of vmm4j's own (vendor
 * VMMJ, as the virtio vendor id): iasl accepts no other form, and VMGENCTR is not one.
 * reads the 16-byte id at the address ADDR gives, and reseeds its RNG when the device is notified
 * with 0x80 and the id changed. The notification comes from the Generic Event Device (ACPI 6.5
 * §5.6.9): Linux's evged requests its interrupt and runs _EVT with the GSI on each edge.
 *
 * <p>LNRO0005 is the ACPI id Linux's virtio_mmio driver matches. The interrupts are edge-triggered,
 * as in Firecracker: devices raise them through KVM irqfds, which inject edges, and Linux programs
 * the IOAPIC pin from this descriptor.
 */
final class Dsdt {
    static final String SIGNATURE = "DSDT";
    static final int REVISION = 2;

    static final int COM1_PORT = 0x3F8;
    static final int COM1_PORT_COUNT = 8;
    static final int COM1_IRQ = 4;
    static final int RTC_PORT = 0x70;
    static final int RTC_PORT_COUNT = 2;
    static final int RTC_IRQ = 8;
    /** _STA: present, enabled, shown in the UI, functioning (§6.3.7). */
    static final int STATUS_PRESENT_AND_WORKING = 0x0F;

    static final String VMGENID_DEVICE = "VGEN";
    static final String VMGENID_HID = "VMMJ0001";
    /** The notification value that tells the guest the generation id changed. */
    static final int VMGENID_CHANGED = 0x80;

    private Dsdt() {}

    static byte[] build(AcpiPlatform platform) {
        return SystemDescriptionTable.build(SIGNATURE, REVISION, platform, aml(platform));
    }

    /** The AML body. */
    static byte[] aml(AcpiPlatform platform) {
        List<byte[]> devices = new ArrayList<>();
        if (platform.pcLegacyDevices()) {
            devices.add(com1());
            devices.add(rtc());
        }
        List<VirtioMmioSlot> slots = platform.virtioSlots();
        for (int i = 0; i < slots.size(); i++) {
            devices.add(virtioMmio(i, slots.get(i)));
        }
        if (platform.vmGenerationId()) {
            devices.add(vmGenerationId());
            devices.add(genericEventDevice());
        }
        return Aml.scope("\\_SB", devices.toArray(byte[][]::new));
    }

    /** The name of the {@code index}-th virtio-mmio device: VR00, VR01, ... (as QEMU names them). */
    static String virtioDeviceName(int index) {
        return String.format("VR%02d", index);
    }

    private static byte[] com1() {
        return isaDevice("COM1", "PNP0501", COM1_PORT, COM1_PORT_COUNT, edgeInterrupt(COM1_IRQ));
    }

    private static byte[] rtc() {
        return isaDevice("RTC", "PNP0B00", RTC_PORT, RTC_PORT_COUNT, Aml.irqNoFlags(RTC_IRQ));
    }

    /** A legacy PC device by its PNP id: one fixed I/O port range and one interrupt. */
    private static byte[] isaDevice(String name, String pnpId, int port, int portCount, byte[] interrupt) {
        return Aml.device(
                name,
                Aml.name("_HID", Aml.eisaId(pnpId)),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_STA", Aml.integer(STATUS_PRESENT_AND_WORKING)),
                Aml.name("_CRS", Aml.resourceTemplate(Aml.io(port, port, 1, portCount), interrupt)));
    }

    private static byte[] virtioMmio(int index, VirtioMmioSlot slot) {
        return Aml.device(
                virtioDeviceName(index),
                Aml.name("_HID", Aml.string("LNRO0005")),
                Aml.name("_UID", Aml.integer(index)),
                Aml.name("_STA", Aml.integer(STATUS_PRESENT_AND_WORKING)),
                Aml.name(
                        "_CRS",
                        Aml.resourceTemplate(
                                Aml.memory32Fixed(true, slot.base(), slot.size()), edgeInterrupt(slot.irq()))));
    }

    private static byte[] vmGenerationId() {
        long address = MemoryLayout.VMGENID_ADDRESS;
        return Aml.device(
                VMGENID_DEVICE,
                Aml.name("_HID", Aml.string(VMGENID_HID)),
                Aml.name("_CID", Aml.packageOf(Aml.string("VMGENCTR"), Aml.string("VM_Gen_Counter"))),
                Aml.name("_DDN", Aml.string("VM_Gen_Counter")),
                Aml.name("_STA", Aml.integer(STATUS_PRESENT_AND_WORKING)),
                Aml.name("ADDR", Aml.packageOf(Aml.integer(address & 0xFFFF_FFFFL), Aml.integer(address >>> 32))));
    }

    private static byte[] genericEventDevice() {
        int gsi = MemoryLayout.GED_IRQ;
        return Aml.device(
                "GED_",
                Aml.name("_HID", Aml.string("ACPI0013")),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_STA", Aml.integer(STATUS_PRESENT_AND_WORKING)),
                Aml.name("_CRS", Aml.resourceTemplate(edgeInterrupt(gsi))),
                Aml.method(
                        "_EVT",
                        1,
                        Aml.ifThen(
                                Aml.lEqual(Aml.arg(0), Aml.integer(gsi)),
                                Aml.notify("\\_SB." + VMGENID_DEVICE, VMGENID_CHANGED))));
    }

    private static byte[] edgeInterrupt(int gsi) {
        return Aml.interrupt(Aml.Trigger.EDGE, Aml.Polarity.ACTIVE_HIGH, Aml.Sharing.EXCLUSIVE, gsi);
    }
}
