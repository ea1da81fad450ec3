// The KVM state of a paused VM and its vCPUs as byte records, for a snapshot's state file.
//
// A record is: u32 tag, u32 length, then `length` bytes of the kernel's own struct (kvm_regs,
// kvm_sregs, ...), little-endian as x86 is; kvm_records.h encodes and decodes them without KVM, and a
// restore decodes and checks a whole blob before its first ioctl. The kernel ABI keeps these structs stable; the Java
// state file wraps each blob in a named, versioned, CRC-checked section (docs/SNAPSHOT-FORMAT.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vmm4j {

class Machine;
class Vcpu;

namespace snapshot {

// Bumped when a record's meaning changes; the Java side stores it as the section's version.
constexpr uint32_t kVcpuStateVersion = 1;
constexpr uint32_t kVmStateVersion = 1;

// Saves every part of a parked vCPU: MP state first (KVM_GET_MP_STATE may accept pending LAPIC
// events and so change the rest), vCPU events last, as Firecracker does.
std::vector<uint8_t> save_vcpu(const Machine& machine, const Vcpu& vcpu);
// Restores a vCPU of a new VM, in Firecracker's order: CPUID, MP state, regs, sregs, XSAVE, XCRs,
// debug registers, LAPIC, MSRs (after sregs: EFER; TSC_DEADLINE after TSC), vCPU events.
void restore_vcpu(const Machine& machine, const Vcpu& vcpu, const uint8_t* data, size_t length);

// The irqchip (both PICs, the IOAPIC), the PIT and kvmclock, with the host's CLOCK_REALTIME.
std::vector<uint8_t> save_vm(const Machine& machine);
// With advance_clock, kvmclock moves on by the host time that passed since the save (so the guest's
// wall clock is the host's again); it never goes back.
void restore_vm(const Machine& machine, const uint8_t* data, size_t length, bool advance_clock);

}  // namespace snapshot
}  // namespace vmm4j
