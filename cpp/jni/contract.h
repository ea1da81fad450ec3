// The numbers the Java side must agree on that belong to the flat API itself: block sizes of the
// arrays it passes and the packing of segment attributes. io.vmm4j.jni.NativeContract reads these,
// with every other shared number, from the table in contract.cpp when the library loads.
#pragma once

#include <cstdint>

namespace vmm4j::contract {

// Regs block: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags.
constexpr int kRegsSlots = 18;
// Sregs block: 8 segments (cs ds es fs gs ss tr ldt) of kSegmentSlots slots each (base, limit,
// packed attributes), then gdt base/limit, idt base/limit, cr0 cr2 cr3 cr4 cr8 efer apic_base.
constexpr int kSegmentSlots = 3;
constexpr int kSegmentCount = 8;
constexpr int kSregsSlots = kSegmentCount * kSegmentSlots + 11;
// CPUID entries: function, index, flags, eax, ebx, ecx, edx.
constexpr int kCpuidEntrySlots = 7;
// Virtio queue blocks: size (0 = unused), descriptor table, driver area, device area.
constexpr int kVirtioQueueSlots = 4;
// The local APIC register page (KVM_APIC_REG_SIZE).
constexpr int kLapicSize = 1024;

// Bit positions of a packed segment attribute word; the selector is the low 16 bits.
constexpr int kSegmentTypeShift = 16;  // 4 bits
constexpr int kSegmentPresentBit = 20;
constexpr int kSegmentDplShift = 21;  // 2 bits
constexpr int kSegmentDbBit = 23;
constexpr int kSegmentSystemBit = 24;
constexpr int kSegmentLongBit = 25;
constexpr int kSegmentGranularityBit = 26;
constexpr int kSegmentAvailableBit = 27;
constexpr int kSegmentUnusableBit = 28;

// Address spaces of vmm4j_vm_add_*_device.
constexpr int kSpacePio = 0;
constexpr int kSpaceMmio = 1;

struct Constant {
    const char* name;
    int64_t value;
};
// Every constant shared with Java, by name.
const Constant* constants() noexcept;
int32_t constant_count() noexcept;

}  // namespace vmm4j::contract
