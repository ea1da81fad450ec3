package io.vmm4j.api;

import java.util.Set;

/**
 * What the hypervisor on this host offers.
 *
 * @param maxVcpus the most vCPUs one VM may have
 * @param maxMemorySlots the most memory slots one VM may have
 * @param extensions the named extensions present, such as {@code IRQFD} or {@code IOEVENTFD}
 */
public record PlatformCapabilities(int maxVcpus, int maxMemorySlots, Set<String> extensions) {
    public PlatformCapabilities {
        extensions = Set.copyOf(extensions);
    }

    public boolean has(String extension) {
        return extensions.contains(extension);
    }
}
