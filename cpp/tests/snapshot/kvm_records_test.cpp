// A snapshot's vCPU and VM records without KVM: exact round trips, and every malformed blob refused
// before any ioctl with an error naming the record and its byte offset.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "snapshot/kvm_records.h"

using namespace vmm4j;
using namespace vmm4j::snapshot;

namespace {

VcpuState full_vcpu() {
    VcpuState state;
    state.mp_state.mp_state = KVM_MP_STATE_HALTED;
    state.regs.rip = 0x1234;
    state.sregs.cr0 = 0x11;
    state.xsave.assign(sizeof(kvm_xsave), 0x5a);
    state.xcrs = kvm_xcrs{};
    state.xcrs->nr_xcrs = 1;
    state.lapic = kvm_lapic_state{};
    state.msrs = std::vector<kvm_msr_entry>(2);
    (*state.msrs)[1].index = 0x6e0;
    state.cpuid = std::vector<kvm_cpuid_entry2>(3);
    state.events.exception.nr = 14;
    return state;
}

VmState full_vm() {
    VmState state;
    state.pic_master = kvm_irqchip{};
    state.pic_master->chip_id = KVM_IRQCHIP_PIC_MASTER;
    state.pic_slave = kvm_irqchip{};
    state.pic_slave->chip_id = KVM_IRQCHIP_PIC_SLAVE;
    state.ioapic = kvm_irqchip{};
    state.ioapic->chip_id = KVM_IRQCHIP_IOAPIC;
    state.pit = kvm_pit_state2{};
    state.clock.clock.clock = 42;
    state.clock.host_realtime_ns = 7;
    return state;
}

// The offset of the record with `tag` in a blob, and its length.
size_t record(const std::vector<uint8_t>& blob, uint32_t tag, uint32_t* length = nullptr) {
    size_t offset = 0;
    while (offset + 8 <= blob.size()) {
        uint32_t t, l;
        std::memcpy(&t, blob.data() + offset, 4);
        std::memcpy(&l, blob.data() + offset + 4, 4);
        if (t == tag) {
            if (length != nullptr) *length = l;
            return offset;
        }
        offset += 8 + l;
    }
    ADD_FAILURE() << "no record " << tag;
    return 0;
}

std::string vcpu_error(const std::vector<uint8_t>& blob) {
    try {
        decode_vcpu("vCPU 0 state", blob.data(), blob.size());
    } catch (const CoreError& e) {
        EXPECT_EQ(ErrorKind::InvalidArgument, e.kind());
        return e.what();
    }
    return "decoded";
}

std::string vm_error(const std::vector<uint8_t>& blob) {
    try {
        decode_vm("VM state", blob.data(), blob.size());
    } catch (const CoreError& e) {
        EXPECT_EQ(ErrorKind::InvalidArgument, e.kind());
        return e.what();
    }
    return "decoded";
}

TEST(KvmRecordsTest, aVcpuBlobRoundTripsExactly) {
    const std::vector<uint8_t> blob = encode_vcpu(full_vcpu());
    const VcpuState state = decode_vcpu("vCPU 0 state", blob.data(), blob.size());
    EXPECT_EQ(0x1234u, state.regs.rip);
    EXPECT_EQ(KVM_MP_STATE_HALTED, state.mp_state.mp_state);
    EXPECT_EQ(sizeof(kvm_xsave), state.xsave.size());
    ASSERT_TRUE(state.msrs.has_value());
    EXPECT_EQ(0x6e0u, (*state.msrs)[1].index);
    EXPECT_EQ(14, state.events.exception.nr);
    EXPECT_EQ(blob, encode_vcpu(state));
}

TEST(KvmRecordsTest, aVmBlobRoundTripsExactly) {
    const std::vector<uint8_t> blob = encode_vm(full_vm());
    const VmState state = decode_vm("VM state", blob.data(), blob.size());
    EXPECT_EQ(42u, state.clock.clock.clock);
    EXPECT_TRUE(state.ioapic.has_value());
    EXPECT_EQ(blob, encode_vm(state));
}

TEST(KvmRecordsTest, everyTruncationIsRefused) {
    const std::vector<uint8_t> blob = encode_vcpu(full_vcpu());
    for (size_t length = 0; length < blob.size(); ++length) {
        const std::vector<uint8_t> cut(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(length));
        EXPECT_NE("decoded", vcpu_error(cut)) << length;
    }
}

TEST(KvmRecordsTest, aRecordPastTheEndNamesItsOffset) {
    std::vector<uint8_t> blob = encode_vcpu(full_vcpu());
    const size_t at = record(blob, 2);
    const uint32_t huge = 0xffffffff;
    std::memcpy(blob.data() + at + 4, &huge, 4);
    const std::string error = vcpu_error(blob);
    EXPECT_NE(std::string::npos, error.find("record 2 claims 4294967295 bytes")) << error;
    EXPECT_NE(std::string::npos, error.find("at byte " + std::to_string(at))) << error;
}

TEST(KvmRecordsTest, aStructOfTheWrongSizeIsRefused) {
    VcpuState state = full_vcpu();
    std::vector<uint8_t> blob = encode_vcpu(state);
    const size_t at = record(blob, 3);
    blob.erase(blob.begin() + static_cast<std::ptrdiff_t>(at + 8));  // sregs one byte short
    const uint32_t shorter = sizeof(kvm_sregs) - 1;
    std::memcpy(blob.data() + at + 4, &shorter, 4);
    const std::string error = vcpu_error(blob);
    EXPECT_NE(std::string::npos, error.find("the sregs record has " + std::to_string(shorter))) << error;
    EXPECT_NE(std::string::npos, error.find("at byte " + std::to_string(at))) << error;
}

TEST(KvmRecordsTest, unknownAndRepeatedTagsAreRefused) {
    std::vector<uint8_t> blob = encode_vcpu(full_vcpu());
    std::vector<uint8_t> unknown = blob;
    const uint32_t tag = 12;
    std::memcpy(unknown.data() + record(blob, 7), &tag, 4);
    EXPECT_NE(std::string::npos, vcpu_error(unknown).find("unknown record tag 12"));
    std::vector<uint8_t> repeated = blob;
    const uint32_t regs = 2;
    std::memcpy(repeated.data() + record(blob, 7), &regs, 4);
    EXPECT_NE(std::string::npos, vcpu_error(repeated).find("record 2 again"));
}

TEST(KvmRecordsTest, arraysLongerThanKvmTakesAreRefusedBeforeAllocating) {
    VcpuState state = full_vcpu();
    state.msrs = std::vector<kvm_msr_entry>(kMaxMsrs + 1);
    EXPECT_NE(std::string::npos, vcpu_error(encode_vcpu(state)).find("MSRs record has 256 entries"));
    state = full_vcpu();
    state.cpuid = std::vector<kvm_cpuid_entry2>(kMaxCpuidEntries + 1);
    EXPECT_NE(std::string::npos, vcpu_error(encode_vcpu(state)).find("CPUID record has 257 entries"));
}

TEST(KvmRecordsTest, xsaveAreasOutsideTheirBoundsAreRefused) {
    VcpuState state = full_vcpu();
    state.xsave.assign(sizeof(kvm_xsave) - 1, 0);  // KVM_SET_XSAVE would read past it
    EXPECT_NE(std::string::npos, vcpu_error(encode_vcpu(state)).find("the XSAVE record has 4095 bytes"));
    state.xsave.assign(kMaxXsaveBytes + 1, 0);
    EXPECT_NE(std::string::npos, vcpu_error(encode_vcpu(state)).find("the XSAVE record has 65537 bytes"));
}

TEST(KvmRecordsTest, anIrqchipRecordNamingAnotherChipIsRefused) {
    VmState state = full_vm();
    state.pic_master->chip_id = KVM_IRQCHIP_IOAPIC;
    const std::vector<uint8_t> blob = encode_vm(state);
    const std::string error = vm_error(blob);
    EXPECT_NE(std::string::npos, error.find("the PIC master record names chip 2, expected 0")) << error;
    EXPECT_NE(std::string::npos, error.find("at byte " + std::to_string(record(blob, 1) + 8))) << error;
}

TEST(KvmRecordsTest, aPartlySavedIrqchipIsRefused) {
    VmState state = full_vm();
    state.pic_slave.reset();
    EXPECT_NE(std::string::npos, vm_error(encode_vm(state)).find("saved in 2 of its 3 records"));
}

TEST(KvmRecordsTest, requiredRecordsAreRequired) {
    VmState vm = full_vm();
    std::vector<uint8_t> blob = encode_vm(vm);
    blob.resize(record(blob, 5));  // no clock
    EXPECT_NE(std::string::npos, vm_error(blob).find("no clock record"));
    EXPECT_NE(std::string::npos, vcpu_error({}).find("no MP state record"));
}

}  // namespace
