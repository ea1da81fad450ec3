package io.vmm4j.arch.x86.boot;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.x86.DescriptorTable;
import io.vmm4j.api.x86.Register;
import io.vmm4j.api.x86.Registers;
import io.vmm4j.api.x86.Segment;
import io.vmm4j.api.x86.SpecialRegisters;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.arch.x86.MemoryLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Writes what a loaded kernel reads at entry (command line, zero page or PVH start_info, GDT, IDT,
 * identity page tables) into guest memory, and computes the boot vCPU's registers for it.
 */
public final class LinuxBootSetup {
    /** The boot protocol's __BOOT_CS and __BOOT_DS. */
    public static final int BOOT_CS = 0x10;

    public static final int BOOT_DS = 0x18;
    public static final int HVM_START_INFO_MAGIC = 0x336ec578;

    private static final long GDT_NULL = 0;
    private static final long GDT_CODE_64 = 0x00af_9b00_0000_ffffL; // present, exec/read, accessed; G, L
    private static final long GDT_CODE_32 = 0x00cf_9b00_0000_ffffL; // present, exec/read, accessed; G, D
    private static final long GDT_DATA = 0x00cf_9300_0000_ffffL; // present, read/write, accessed; G, B
    private static final int TYPE_CODE_EXECUTE_READ = 0xb;
    private static final int TYPE_DATA_READ_WRITE = 0x3;
    private static final int TYPE_TSS_BUSY = 0xb;
    private static final int TYPE_LDT = 0x2;
    private static final long PAGE_PRESENT_WRITABLE = 0x3;
    private static final long PAGE_SIZE_2M = 0x80;
    private static final long CR0_PE = 1;
    private static final long CR0_ET = 1 << 4;
    private static final long CR0_PG = 1L << 31;
    private static final long CR4_PAE = 1 << 5;
    private static final long EFER_LME = 1 << 8;
    private static final long EFER_LMA = 1 << 10;
    private static final long RFLAGS_RESERVED = 0x2;

    /** The boot vCPU's state at the kernel's entry point. */
    public record EntryState(
            Registers registers,
            Segment code,
            Segment data,
            Segment tr,
            Segment ldt,
            DescriptorTable gdt,
            DescriptorTable idt,
            long cr0,
            long cr3,
            long cr4,
            long efer) {
        /** {@code current} (the vCPU's APIC base, CR8 and so on) with this state's segments, tables and control registers. */
        public SpecialRegisters applyTo(SpecialRegisters current) {
            return new SpecialRegisters(
                    code,
                    data,
                    data,
                    data,
                    data,
                    data,
                    tr,
                    ldt,
                    gdt,
                    idt,
                    cr0,
                    current.cr2(),
                    cr3,
                    cr4,
                    current.cr8(),
                    efer,
                    current.apicBase());
        }

        public void applyTo(Vcpu vcpu) {
            vcpu.setSpecialRegisters(applyTo(vcpu.specialRegisters()));
            vcpu.setRegisters(registers);
        }
    }

    /** What the kernel is booted with besides itself. */
    public record BootOptions(CommandLine commandLine, Optional<LoadedInitrd> initrd, OptionalLong acpiRsdp) {
        public BootOptions {
            Objects.requireNonNull(commandLine, "commandLine");
            Objects.requireNonNull(initrd, "initrd");
            Objects.requireNonNull(acpiRsdp, "acpiRsdp");
        }

        public static BootOptions of(CommandLine commandLine) {
            return new BootOptions(commandLine, Optional.empty(), OptionalLong.empty());
        }

        public BootOptions withInitrd(LoadedInitrd initrd) {
            return new BootOptions(commandLine, Optional.of(initrd), acpiRsdp);
        }

        public BootOptions withAcpiRsdp(long address) {
            return new BootOptions(commandLine, initrd, OptionalLong.of(address));
        }
    }

    private LinuxBootSetup() {}

    /** {@link #linux64} or {@link #pvh}, as {@code kernel.protocol()} says. */
    public static EntryState prepare(GuestMemory memory, LoadedKernel kernel, BootOptions options) {
        return kernel.protocol() == BootProtocol.PVH ? pvh(memory, kernel, options) : linux64(memory, kernel, options);
    }

    /**
     * The Linux 64-bit boot protocol: boot_params at {@link MemoryLayout#ZERO_PAGE_ADDRESS} (RSI),
     * long mode with the first 4 GiB identity mapped, CS = 0x10 and the data segments 0x18.
     */
    public static EntryState linux64(GuestMemory memory, LoadedKernel kernel, BootOptions options) {
        writeCommandLine(memory, kernel, options);
        BootParams params = new BootParams(kernel.setupHeader())
                .setCommandLine(MemoryLayout.CMDLINE_ADDRESS)
                .setE820(E820Map.forMemory(memory.size()).entries());
        if (kernel.loadStart() <= 0xffff_ffffL) params.setCodeStart(kernel.loadStart());
        options.initrd().ifPresent(initrd -> params.setRamdisk(initrd.address(), initrd.size()));
        options.acpiRsdp().ifPresent(params::setAcpiRsdp);
        memory.write(MemoryLayout.ZERO_PAGE_ADDRESS, params.toBytes());
        writeGdt(memory, GDT_CODE_64);
        writeIdt(memory);
        writeIdentityPageTables(memory);

        Segment code = new Segment(
                0, 0xffffffff, BOOT_CS, TYPE_CODE_EXECUTE_READ, true, 0, false, true, true, true, false, false);
        Registers registers = registers(kernel.entryPoint())
                .with(Register.RSI, MemoryLayout.ZERO_PAGE_ADDRESS)
                .with(Register.RSP, MemoryLayout.BOOT_STACK_POINTER)
                .with(Register.RBP, MemoryLayout.BOOT_STACK_POINTER);
        return new EntryState(
                registers,
                code,
                flatData(),
                tss(),
                ldt(),
                gdt(),
                idt(),
                CR0_PE | CR0_ET | CR0_PG,
                MemoryLayout.PML4_ADDRESS,
                CR4_PAE,
                EFER_LME | EFER_LMA);
    }

    /**
     * The PVH entry: 32-bit protected mode without paging, EBX = the hvm_start_info at
     * {@link MemoryLayout#PVH_START_INFO_ADDRESS} with its memory map (the e820 map) and the initrd
     * as its one module.
     */
    public static EntryState pvh(GuestMemory memory, LoadedKernel kernel, BootOptions options) {
        writeCommandLine(memory, kernel, options);
        List<E820Entry> map = E820Map.forMemory(memory.size()).entries();
        if (map.size() > MemoryLayout.PVH_MEMORY_MAP_MAX_ENTRIES)
            throw new IllegalStateException("memory map too long");
        ByteBuffer memmap = ByteBuffer.allocate(map.size() * 24).order(ByteOrder.LITTLE_ENDIAN);
        for (E820Entry entry : map)
            memmap.putLong(entry.address())
                    .putLong(entry.size())
                    .putInt(entry.type())
                    .putInt(0);
        memory.write(MemoryLayout.PVH_MEMORY_MAP_ADDRESS, memmap.array());

        ByteBuffer info = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        info.putInt(0, HVM_START_INFO_MAGIC).putInt(4, 1); // version 1: has the memory map fields
        options.initrd().ifPresent(initrd -> {
            ByteBuffer module = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
            module.putLong(0, initrd.address()).putLong(8, initrd.size());
            memory.write(MemoryLayout.PVH_MODULE_LIST_ADDRESS, module.array());
            info.putInt(12, 1).putLong(16, MemoryLayout.PVH_MODULE_LIST_ADDRESS);
        });
        info.putLong(24, MemoryLayout.CMDLINE_ADDRESS);
        options.acpiRsdp().ifPresent(rsdp -> info.putLong(32, rsdp));
        info.putLong(40, MemoryLayout.PVH_MEMORY_MAP_ADDRESS).putInt(48, map.size());
        memory.write(MemoryLayout.PVH_START_INFO_ADDRESS, info.array());
        writeGdt(memory, GDT_CODE_32);
        writeIdt(memory);

        Segment code = new Segment(
                0, 0xffffffff, BOOT_CS, TYPE_CODE_EXECUTE_READ, true, 0, true, true, false, true, false, false);
        Registers registers = registers(kernel.entryPoint()).with(Register.RBX, MemoryLayout.PVH_START_INFO_ADDRESS);
        return new EntryState(registers, code, flatData(), tss(), ldt(), gdt(), idt(), CR0_PE | CR0_ET, 0, 0, 0);
    }

    private static void writeCommandLine(GuestMemory memory, LoadedKernel kernel, BootOptions options) {
        memory.write(MemoryLayout.CMDLINE_ADDRESS, options.commandLine().toBytes(kernel));
    }

    private static void writeGdt(GuestMemory memory, long code) {
        ByteBuffer gdt = ByteBuffer.allocate(MemoryLayout.GDT_ENTRY_COUNT * 8).order(ByteOrder.LITTLE_ENDIAN);
        gdt.putLong(GDT_NULL).putLong(GDT_NULL).putLong(code).putLong(GDT_DATA);
        memory.write(MemoryLayout.GDT_ADDRESS, gdt.array());
    }

    // One zero entry: any exception before the kernel loads its own IDT ends in a triple fault.
    private static void writeIdt(GuestMemory memory) {
        memory.writeLong(MemoryLayout.IDT_ADDRESS, 0);
    }

    /** PML4[0] -> PDPT; PDPT[0..3] -> four PDs; each PD entry a 2 MiB page: 0-4 GiB identity mapped. */
    private static void writeIdentityPageTables(GuestMemory memory) {
        ByteBuffer pml4 = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        pml4.putLong(0, MemoryLayout.PDPT_ADDRESS | PAGE_PRESENT_WRITABLE);
        ByteBuffer pdpt = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer pds = ByteBuffer.allocate(MemoryLayout.PD_COUNT * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < MemoryLayout.PD_COUNT; i++) {
            pdpt.putLong(i * 8, (MemoryLayout.PD_ADDRESS + i * 4096L) | PAGE_PRESENT_WRITABLE);
        }
        for (int i = 0; i < MemoryLayout.PD_COUNT * 512; i++) {
            pds.putLong(i * 8, ((long) i << 21) | PAGE_SIZE_2M | PAGE_PRESENT_WRITABLE);
        }
        memory.write(MemoryLayout.PML4_ADDRESS, pml4.array());
        memory.write(MemoryLayout.PDPT_ADDRESS, pdpt.array());
        memory.write(MemoryLayout.PD_ADDRESS, pds.array());
    }

    private static Registers registers(long entry) {
        return Registers.of(new long[Register.values().length])
                .with(Register.RIP, entry)
                .with(Register.RFLAGS, RFLAGS_RESERVED);
    }

    private static Segment flatData() {
        return new Segment(
                0, 0xffffffff, BOOT_DS, TYPE_DATA_READ_WRITE, true, 0, true, true, false, true, false, false);
    }

    // VMX wants a usable busy TSS and a valid LDT state on entry, even though the kernel loads its own.
    private static Segment tss() {
        return new Segment(0, 0x67, 0, TYPE_TSS_BUSY, true, 0, false, false, false, false, false, false);
    }

    private static Segment ldt() {
        return new Segment(0, 0xffff, 0, TYPE_LDT, true, 0, false, false, false, false, false, false);
    }

    private static DescriptorTable gdt() {
        return new DescriptorTable(MemoryLayout.GDT_ADDRESS, MemoryLayout.GDT_ENTRY_COUNT * 8 - 1);
    }

    private static DescriptorTable idt() {
        return new DescriptorTable(MemoryLayout.IDT_ADDRESS, 7);
    }
}
