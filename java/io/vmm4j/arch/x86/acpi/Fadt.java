package io.vmm4j.arch.x86.acpi;

import io.vmm4j.devices.legacy.CmosRtc;

/**
 * The Fixed ACPI Description Table, signature FACP (ACPI 6.5 §5.2.9, Table 5.9), for a
 * hardware-reduced platform (§4.1): no PM1/GPE/PM-timer register blocks, no SCI, no FACS.
 *
 * <p>Linux takes the hardware-reduced path when the revision is 5 or more and flag bit 20 is set;
 * then it ignores the fields from SCI_INT to MON_ALRM and X_PM1a_EVT_BLK to X_GPE1_BLK. It still reads
 * CENTURY, the CMOS index of the RTC's century register, and IAPC_BOOT_ARCH, whose "CMOS RTC not
 * present" bit stays clear: the DSDT's PNP0B00 device is the RTC. The sleep
 * control and status registers are left empty, so the guest has no ACPI S5 (poweroff), and with no
 * reset register Linux reboots through the keyboard controller (port 0x64). Everything not set here
 * is zero.
 */
final class Fadt {
    static final String SIGNATURE = "FACP";
    /** Revision 6 with minor version 5: ACPI 6.5. */
    static final int REVISION = 6;

    static final int MINOR_VERSION = 5;
    /** The ACPI 6.x FADT, up to and including the Hypervisor Vendor Identity. */
    static final int LENGTH = 276;

    // Field offsets from Table 5.9.
    static final int DSDT_OFFSET = 40;
    static final int CENTURY_OFFSET = 108;
    static final int IAPC_BOOT_ARCH_OFFSET = 109;
    static final int FLAGS_OFFSET = 112;
    static final int MINOR_VERSION_OFFSET = 131;
    static final int X_DSDT_OFFSET = 140;
    static final int HYPERVISOR_VENDOR_ID_OFFSET = 268;

    // IA-PC Boot Architecture Flags (§5.2.9.3). Neither LEGACY_DEVICES nor 8042 is set: without the
    // 8042 flag Linux skips probing the PS/2 controller (reboot writes port 0x64 directly anyway).
    static final int BOOT_ARCH_VGA_NOT_PRESENT = 1 << 2;
    static final int BOOT_ARCH_MSI_NOT_SUPPORTED = 1 << 3;
    /** Set: the OS must not enable PCIe ASPM (there is no PCIe). */
    static final int BOOT_ARCH_PCIE_ASPM_CONTROLS = 1 << 4;

    // Fixed Feature Flags (§5.2.9, Table 5.10).
    /** Set means "no fixed-feature power button" (a control-method one, or none). */
    static final int FLAG_PWR_BUTTON = 1 << 4;
    /** Set means "no fixed-feature sleep button". */
    static final int FLAG_SLP_BUTTON = 1 << 5;

    static final int FLAG_HW_REDUCED_ACPI = 1 << 20;

    static final String HYPERVISOR_VENDOR_ID = "VMM4J   ";

    private Fadt() {}

    static byte[] build(AcpiPlatform platform, long dsdtAddress) {
        if (dsdtAddress < 0 || dsdtAddress > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("the DSDT must lie below 4 GiB for the 32-bit DSDT field");
        }
        ByteWriter body = new ByteWriter()
                .u32(0) // 36 FIRMWARE_CTRL: no FACS on a hardware-reduced platform
                .u32(dsdtAddress) // 40 DSDT, the same address as X_DSDT (ACPICA accepts equal values)
                .u8(0) // 44 reserved
                .u8(0) // 45 Preferred_PM_Profile: unspecified
                .zeros(CENTURY_OFFSET - 46) // 46 SCI_INT .. 107 MON_ALRM: ignored when hardware-reduced
                .u8(CmosRtc.CENTURY) // 108 CENTURY
                .u16(BOOT_ARCH_VGA_NOT_PRESENT | BOOT_ARCH_MSI_NOT_SUPPORTED | BOOT_ARCH_PCIE_ASPM_CONTROLS) // 109
                .u8(0) // 111 reserved
                .u32(FLAG_HW_REDUCED_ACPI | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON) // 112 Flags
                .zeros(12) // 116 RESET_REG: none
                .u8(0) // 128 RESET_VALUE
                .u16(0) // 129 ARM_BOOT_ARCH
                .u8(MINOR_VERSION) // 131
                .u64(0) // 132 X_FIRMWARE_CTRL
                .u64(dsdtAddress) // 140 X_DSDT
                .zeros(8 * 12) // 148 X_PM1a_EVT_BLK .. X_GPE1_BLK: absent
                .zeros(12) // 244 SLEEP_CONTROL_REG: absent
                .zeros(12) // 256 SLEEP_STATUS_REG: absent
                .ascii(HYPERVISOR_VENDOR_ID, 8); // 268
        byte[] table = SystemDescriptionTable.build(SIGNATURE, REVISION, platform, body.toByteArray());
        if (table.length != LENGTH) {
            throw new AssertionError("FADT is " + table.length + " bytes, not " + LENGTH);
        }
        return table;
    }
}
