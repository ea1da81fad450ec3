package io.vmm4j.kvm;

import io.vmm4j.api.PlatformCapabilities.Feature;

/** The KVM capabilities (KVM_CAP_* numbers) behind each backend-neutral {@link Feature}. */
enum KvmCapability {
    IRQCHIP(0, Feature.IN_KERNEL_IRQCHIP),
    IRQFD(32, Feature.INTERRUPT_EVENTS),
    IOEVENTFD(36, Feature.DOORBELL_EVENTS),
    ADJUST_CLOCK(39, Feature.CLOCK_CONTROL),
    VCPU_EVENTS(41, Feature.VCPU_EVENTS),
    DEBUGREGS(50, Feature.DEBUG_REGISTERS),
    XSAVE(55, Feature.XSAVE),
    XCRS(56, Feature.EXTENDED_CONTROL_REGISTERS),
    READONLY_MEM(81, Feature.READONLY_MEMORY),
    IMMEDIATE_EXIT(136, Feature.IMMEDIATE_EXIT);

    static final int NR_VCPUS = 9;
    static final int NR_MEMSLOTS = 10;
    static final int MAX_VCPUS = 66;

    final int number;
    final Feature feature;

    KvmCapability(int number, Feature feature) {
        this.number = number;
        this.feature = feature;
    }
}
