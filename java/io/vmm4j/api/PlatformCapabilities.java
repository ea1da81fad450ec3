package io.vmm4j.api;

import java.util.EnumSet;
import java.util.Set;

/**
 * What the hypervisor on this host offers, in backend-neutral terms.
 *
 * @param maxVcpus the most vCPUs one VM may have
 * @param maxMemorySlots the most memory regions one VM may have
 * @param features the optional features present
 */
public record PlatformCapabilities(int maxVcpus, int maxMemorySlots, Set<Feature> features) {
    /** Optional hypervisor features vmm4j uses or reports. */
    public enum Feature {
        /** Interrupt controllers (PIC, IOAPIC, local APICs) and the PIT emulated in the hypervisor. */
        IN_KERNEL_IRQCHIP,
        /** Guest interrupts raised by writing an event counter, without a call per interrupt. */
        INTERRUPT_EVENTS,
        /** Guest doorbell writes delivered as events to the I/O thread, without a vCPU exit to the VMM. */
        DOORBELL_EVENTS,
        /** Read-only guest memory regions. */
        READONLY_MEMORY,
        /** A vCPU can be made to leave guest mode before it enters it (a race-free kick). */
        IMMEDIATE_EXIT,
        /** The XSAVE area of a vCPU can be read and written. */
        XSAVE,
        /** Extended control registers (XCR0) can be read and written. */
        EXTENDED_CONTROL_REGISTERS,
        /** Pending exceptions, interrupts and NMIs of a vCPU can be read and written. */
        VCPU_EVENTS,
        /** Debug registers can be read and written. */
        DEBUG_REGISTERS,
        /** The guest's paravirtual clock can be read and set. */
        CLOCK_CONTROL
    }

    public PlatformCapabilities {
        features = features.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(features));
    }

    public boolean has(Feature feature) {
        return features.contains(feature);
    }
}
