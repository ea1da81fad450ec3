package io.vmm4j.kvm;

/** The KVM capabilities vmm4j reports by name, with their KVM_CAP_* numbers. */
enum KvmCapability {
    IRQCHIP(0),
    HLT(1),
    USER_MEMORY(3),
    SET_TSS_ADDR(4),
    EXT_CPUID(7),
    MP_STATE(14),
    COALESCED_MMIO(15),
    SYNC_MMU(16),
    IRQ_ROUTING(25),
    IRQFD(32),
    PIT2(33),
    IOEVENTFD(36),
    ADJUST_CLOCK(39),
    VCPU_EVENTS(41),
    DEBUGREGS(50),
    XSAVE(55),
    XCRS(56),
    TSC_CONTROL(60),
    ONE_REG(70),
    TSC_DEADLINE_TIMER(72),
    SYNC_REGS(74),
    KVMCLOCK_CTRL(76),
    SIGNAL_MSI(77),
    READONLY_MEM(81),
    X86_SMM(117),
    SPLIT_IRQCHIP(121),
    X2APIC_API(129),
    IMMEDIATE_EXIT(136),
    NESTED_STATE(157),
    COALESCED_PIO(162),
    MANUAL_DIRTY_LOG_PROTECT2(168),
    X86_USER_SPACE_MSR(188),
    DIRTY_LOG_RING(192),
    USER_MEMORY2(231),
    GUEST_MEMFD(234);

    static final int NR_VCPUS = 9;
    static final int NR_MEMSLOTS = 10;
    static final int MAX_VCPUS = 66;

    final int number;

    KvmCapability(int number) {
        this.number = number;
    }
}
