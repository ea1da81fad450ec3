// The vCPU and VM records of a snapshot (cpp/snapshot/kvm_state.h) as plain structs, and their byte
// form: encode and decode only, no KVM. Decoding checks every length, count and tag against the
// structs before anything reaches an ioctl, so it can be fuzzed on a host without /dev/kvm
// (cpp/fuzz/kvm_state_fuzzer.cpp).
//
// A blob is a sequence of records: u32 tag, u32 length, then `length` bytes of the kernel's own struct
// (kvm_regs, kvm_sregs, ...), little-endian as x86 is. Errors name the record and its byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "kvm/linux_kvm.h"

namespace vmm4j::snapshot {

// KVM refuses more (KVM_MAX_CPUID_ENTRIES; MAX_IO_MSRS, which KVM_SET_MSRS must stay below).
constexpr size_t kMaxCpuidEntries = 256;
constexpr size_t kMaxMsrs = 255;
// An XSAVE area is at least struct kvm_xsave; with every feature of today's CPUs (AMX) about 11 KiB.
constexpr size_t kMaxXsaveBytes = 64 * 1024;

struct VcpuState {
    kvm_mp_state mp_state{};
    kvm_regs regs{};
    kvm_sregs sregs{};
    std::vector<uint8_t> xsave;  // empty: the host had no KVM_CAP_XSAVE, and `fpu` holds the FPU
    kvm_fpu fpu{};
    std::optional<kvm_xcrs> xcrs;
    kvm_debugregs debugregs{};
    std::optional<kvm_lapic_state> lapic;            // with the in-kernel irqchip
    std::optional<std::vector<kvm_msr_entry>> msrs;  // KVM's save list, as far as the vCPU accepted it
    std::optional<std::vector<kvm_cpuid_entry2>> cpuid;
    kvm_vcpu_events events{};
};

struct SavedClock {
    kvm_clock_data clock;
    uint64_t host_realtime_ns;  // the host's CLOCK_REALTIME when `clock` was read
};

struct VmState {
    // Both PICs and the IOAPIC, each with its own chip_id; all three or none.
    std::optional<kvm_irqchip> pic_master;
    std::optional<kvm_irqchip> pic_slave;
    std::optional<kvm_irqchip> ioapic;
    std::optional<kvm_pit_state2> pit;
    SavedClock clock{};
};

std::vector<uint8_t> encode_vcpu(const VcpuState& state);
// `what` names the blob in errors ("vCPU 0 state").
VcpuState decode_vcpu(const char* what, const uint8_t* data, size_t length);

std::vector<uint8_t> encode_vm(const VmState& state);
VmState decode_vm(const char* what, const uint8_t* data, size_t length);

}  // namespace vmm4j::snapshot
