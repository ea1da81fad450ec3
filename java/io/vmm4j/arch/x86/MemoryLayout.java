package io.vmm4j.arch.x86;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import java.util.List;

/**
 * The guest physical address map of an x86 VM, in one place.
 *
 * <pre>
 *   0x0000_0000  RAM (from 0 up to the guest's size, or up to MMIO_GAP_START); e820 usable up to the EBDA
 *   0x0000_0500  GDT: null, null, code 0x10, data 0x18 (Linux wants __BOOT_CS=0x10, __BOOT_DS=0x18)
 *   0x0000_0540  IDT: one empty entry, so that an early fault triple-faults rather than jumping anywhere
 *   0x0000_6000  PVH hvm_start_info, then its module list (0x6040) and memory map (0x6080)
 *   0x0000_7000  zero page (struct boot_params)
 *   0x0000_8ff0  boot stack pointer (grows down towards the zero page)
 *   0x0000_9000  identity page tables: PML4, PDPT (0xA000), four PDs (0xB000-0xEFFF) mapping 0-4 GiB in 2 MiB pages
 *   0x0002_0000  kernel command line, at most CMDLINE_MAX_SIZE bytes with its NUL
 *   0x0009_FC00  EBDA and BIOS area, e820 reserved up to 1 MiB (the RSDP lives at 0xE0000)
 *   0x000E_0000  ACPI: the RSDP, then the other tables, up to 0x000F_F000 (in the reserved BIOS area)
 *   0x000F_F000  VM Generation ID: 16 bytes the guest's ACPI VGEN device points at (reserved, not RAM to Linux)
 *   0x0010_0000  kernel: a bzImage's protected-mode code here; an ELF vmlinux at its p_paddr (16 MiB for Linux)
 *       ...      initrd: page aligned, as high as min(initrd_addr_max, the top of RAM below the gap) allows
 *   0xC000_0000  MMIO gap: virtio-mmio windows, one 4 KiB page each, from here
 *   0xD000_0000  free for user MMIO devices
 *   0xFEC0_0000  IOAPIC
 *   0xFEE0_0000  LAPIC
 *   0xFFFB_C000  KVM identity-map page and TSS (three pages), set by the native core
 *   0x1_0000_0000  the rest of RAM for guests larger than the space below the gap
 * </pre>
 */
public final class MemoryLayout {
    /**
     * The ACPI RSDP. Linux finds it here without help: with no boot_params.acpi_rsdp_addr (and no
     * acpi_rsdp=), it scans the BIOS area 0xE0000-0xFFFFF on 16-byte boundaries (ACPI 6.5 §5.2.5.1).
     */
    public static final long ACPI_RSDP_ADDRESS = 0x000E_0000L;
    /** The other ACPI tables, laid out contiguously after the RSDP (36 bytes). */
    public static final long ACPI_TABLES_START = 0x000E_0040L;
    /** End (exclusive) of the ACPI tables' area: the VM Generation ID's page follows. */
    public static final long ACPI_AREA_END = 0x000F_F000L;
    /**
     * The 128-bit VM Generation ID (io.vmm4j.arch.x86.VmGenerationId): the last page of the legacy
     * BIOS area, which the e820 map reserves, so the guest never uses it as RAM.
     */
    public static final long VMGENID_ADDRESS = 0x000F_F000L;

    public static final long MMIO_GAP_START = 0xC000_0000L;
    /** The most RAM the command lines accept: 1 TiB, reserved lazily (MAP_NORESERVE). */
    public static final long MAX_RAM = 1L << 40;

    public static final long MMIO_GAP_END = 0x1_0000_0000L;
    public static final long VIRTIO_MMIO_BASE = MMIO_GAP_START;
    public static final long VIRTIO_MMIO_SIZE = 0x1000;
    public static final long USER_MMIO_BASE = 0xD000_0000L;
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    public static final long LAPIC_BASE = 0xFEE0_0000L;
    /** GSIs 5 to 22 go to virtio devices; 4 is COM1 and 0-3 are legacy. */
    public static final int VIRTIO_FIRST_IRQ = 5;

    public static final int LAST_IOAPIC_IRQ = 23;
    /** The ACPI Generic Event Device's interrupt (the VM Generation ID's change notification). */
    public static final int GED_IRQ = LAST_IOAPIC_IRQ;

    public static final int LAST_VIRTIO_IRQ = GED_IRQ - 1;
    public static final int MAX_VIRTIO_DEVICES = LAST_VIRTIO_IRQ - VIRTIO_FIRST_IRQ + 1;

    private static final long PAGE_SIZE = 4096;

    public static final long GDT_ADDRESS = 0x500;
    public static final int GDT_ENTRY_COUNT = 4;
    public static final long IDT_ADDRESS = 0x540;
    public static final long PVH_START_INFO_ADDRESS = 0x6000;
    public static final long PVH_MODULE_LIST_ADDRESS = 0x6040;
    public static final long PVH_MEMORY_MAP_ADDRESS = 0x6080;
    /** Room for 165 hvm_memmap_table_entry records before the zero page. */
    public static final int PVH_MEMORY_MAP_MAX_ENTRIES = (int) ((0x7000 - PVH_MEMORY_MAP_ADDRESS) / 24);

    public static final long ZERO_PAGE_ADDRESS = 0x7000;
    public static final long BOOT_STACK_POINTER = 0x8ff0;
    public static final long PML4_ADDRESS = 0x9000;
    public static final long PDPT_ADDRESS = 0xA000;
    public static final long PD_ADDRESS = 0xB000;
    /** The boot page tables identity-map this much, in 2 MiB pages: everything below 4 GiB. */
    public static final long IDENTITY_MAPPED_SIZE = 1L << 32;

    public static final int PD_COUNT = (int) (IDENTITY_MAPPED_SIZE >> 30);
    public static final long CMDLINE_ADDRESS = 0x20000;
    /** Bytes reserved for the command line, its terminating NUL included. */
    public static final int CMDLINE_MAX_SIZE = 0x10000;
    /** Where the extended BIOS data area starts: usable low RAM ends here. */
    public static final long EBDA_START = 0x9FC00;
    /** The end of the legacy BIOS area; RAM from here up is usable again. */
    public static final long HIGH_MEMORY_START = 0x10_0000;
    /** Where a bzImage's protected-mode kernel goes (its code32_start). */
    public static final long KERNEL_LOAD_ADDRESS = HIGH_MEMORY_START;

    private MemoryLayout() {}

    /** A range of guest physical addresses backed by RAM. */
    public record RamRegion(long start, long size) {
        public long end() {
            return start + size;
        }

        public boolean contains(long address, long length) {
            return address >= start && length >= 0 && address <= end() - length;
        }
    }

    /**
     * The RAM of a guest of {@code memorySize} bytes: one region from 0, or, when it does not fit
     * below the MMIO gap, the space below the gap plus the rest from 4 GiB.
     */
    public static List<RamRegion> ramRegions(long memorySize) {
        if (memorySize <= 0) throw new IllegalArgumentException("memory size must be positive, was " + memorySize);
        if (memorySize <= MMIO_GAP_START) return List.of(new RamRegion(0, memorySize));
        return List.of(new RamRegion(0, MMIO_GAP_START), new RamRegion(MMIO_GAP_END, memorySize - MMIO_GAP_START));
    }

    /** The end of the RAM that starts at 0: the guest's size, or the MMIO gap for large guests. */
    public static long lowRamEnd(long memorySize) {
        return ramRegions(memorySize).get(0).end();
    }

    /**
     * Where an initrd of {@code initrdSize} bytes goes: page aligned, as high as possible, ending at or
     * below both {@code initrdAddressMax} (the header's highest address the initrd may occupy) and the
     * top of RAM below the gap, and starting at or above {@code lowestAddress} (the end of the kernel).
     *
     * @throws IllegalArgumentException if it does not fit
     */
    public static long initrdAddress(long memorySize, long initrdSize, long initrdAddressMax, long lowestAddress) {
        if (initrdSize <= 0) throw new IllegalArgumentException("initrd size must be positive, was " + initrdSize);
        long top = Math.min(lowRamEnd(memorySize), initrdAddressMax + 1);
        long address = (top - initrdSize) & -PAGE_SIZE;
        if (top - initrdSize < 0 || address < lowestAddress) {
            throw new IllegalArgumentException("an initrd of " + initrdSize + " bytes does not fit between the kernel's"
                    + " end (0x" + Long.toHexString(lowestAddress) + ") and 0x" + Long.toHexString(top)
                    + " (the lower of initrd_addr_max + 1 and the top of RAM below the MMIO gap); give the VM"
                    + " more memory");
        }
        return address;
    }

    /** The window and interrupt of the {@code index}-th virtio-mmio device of a VM. */
    public static VirtioMmioSlot virtioSlot(VirtioDeviceConfig config, int index) {
        if (index < 0 || index >= MAX_VIRTIO_DEVICES) {
            throw new IllegalArgumentException("at most " + MAX_VIRTIO_DEVICES + " virtio devices fit: the IOAPIC has "
                    + "GSIs " + VIRTIO_FIRST_IRQ + " to " + LAST_VIRTIO_IRQ + " for them");
        }
        return new VirtioMmioSlot(
                config, VIRTIO_MMIO_BASE + index * VIRTIO_MMIO_SIZE, VIRTIO_MMIO_SIZE, VIRTIO_FIRST_IRQ + index);
    }
}
