/**
 * What a hypervisor backend provides to the VM core ({@code io.vmm4j.vmm}), modelled on Cloud
 * Hypervisor's {@code hypervisor} crate: a {@link HypervisorBackend} creates {@link VmBackend}s, which
 * create {@link VcpuBackend}s. A backend knows its hypervisor only; the lifecycle, the device registry,
 * the vCPU threads, the x86 platform (CPUID, memory layout) and snapshots belong to the core, which
 * hands the backend what it needs. KVM is the one backend today; Hypervisor.framework, which runs vCPUs
 * itself ("managed execution"), is the next.
 */
package io.vmm4j.vmm.backend;
