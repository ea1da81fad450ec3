package io.vmm4j.api.x86;

/**
 * An immutable set of x86 system registers: segments, descriptor tables,
 * control registers, EFER and the APIC base.
 */
public record SpecialRegisters(
        Segment cs,
        Segment ds,
        Segment es,
        Segment fs,
        Segment gs,
        Segment ss,
        Segment tr,
        Segment ldt,
        DescriptorTable gdt,
        DescriptorTable idt,
        long cr0,
        long cr2,
        long cr3,
        long cr4,
        long cr8,
        long efer,
        long apicBase) {

    public SpecialRegisters withCodeSegment(Segment segment) {
        return new SpecialRegisters(
                segment, ds, es, fs, gs, ss, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase);
    }

    /** Sets DS, ES, FS, GS and SS together. */
    public SpecialRegisters withDataSegments(Segment segment) {
        return new SpecialRegisters(
                cs, segment, segment, segment, segment, segment, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer,
                apicBase);
    }

    public SpecialRegisters withDescriptorTables(DescriptorTable gdt, DescriptorTable idt) {
        return new SpecialRegisters(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase);
    }

    public SpecialRegisters withControlRegisters(long cr0, long cr3, long cr4, long efer) {
        return new SpecialRegisters(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt, cr0, cr2, cr3, cr4, cr8, efer, apicBase);
    }
}
