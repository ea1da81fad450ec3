// libFuzzer target for the decoders of a snapshot's vCPU and VM records (cpp/snapshot/kvm_records.h),
// the bytes that reach KVM_SET_* ioctls on restore. The Java state file checks each section's CRC32C,
// so this fuzzes what lies behind the CRCs: the records themselves.
//
// Input byte 0 picks the blob (bit 0: vCPU or VM) and how the rest becomes one (bit 1):
//   raw:   the rest is the blob, as-is;
//   built: the rest is a list of records, each [tag][shape][payload...], where the shape makes the
//          length the tag's own struct size (most of the time), a count of array entries, a free u16, or
//          the struct size off by a little; for an irqchip record it can also set the right chip_id. The
//          payload comes from the input, zero-padded. So whole, decodable blobs are common, and so are
//          near misses in every field the decoder checks.
// Every decoded blob is encoded again, and that must decode to the same encoding (no field lost or
// invented). The counters printed at exit let cpp/fuzz/run refuse a run that never decoded a blob.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "snapshot/kvm_records.h"

using namespace vmm4j;
using namespace vmm4j::snapshot;

namespace {

struct Stats {
    uint64_t inputs = 0, vcpu_decoded = 0, vm_decoded = 0, refused = 0, vm_irqchips = 0, vcpu_msrs = 0;
    ~Stats() {
        std::fprintf(stderr,
                     "kvm_state_fuzzer stats: inputs=%llu vcpu_decoded=%llu vm_decoded=%llu refused=%llu "
                     "vm_irqchips=%llu vcpu_msrs=%llu\n",
                     (unsigned long long)inputs, (unsigned long long)vcpu_decoded, (unsigned long long)vm_decoded,
                     (unsigned long long)refused, (unsigned long long)vm_irqchips, (unsigned long long)vcpu_msrs);
    }
} stats;

class Input {
public:
    Input(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    bool empty() const { return offset_ >= size_; }
    uint8_t byte() { return offset_ < size_ ? data_[offset_++] : 0; }
    uint16_t u16() { return static_cast<uint16_t>(byte() | (byte() << 8)); }
    void bytes(uint8_t* out, size_t length) {
        const size_t n = std::min(length, size_ - std::min(offset_, size_));
        if (n > 0) std::memcpy(out, data_ + offset_, n);
        std::memset(out + n, 0, length - n);
        offset_ += n;
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t offset_ = 0;
};

// The struct size each tag holds (an entry's size for the arrays), as kvm_records.cpp decodes it.
size_t vcpu_size(uint32_t tag) {
    switch (tag) {
        case 1: return sizeof(kvm_mp_state);
        case 2: return sizeof(kvm_regs);
        case 3: return sizeof(kvm_sregs);
        case 4: return sizeof(kvm_xsave);
        case 5: return sizeof(kvm_fpu);
        case 6: return sizeof(kvm_xcrs);
        case 7: return sizeof(kvm_debugregs);
        case 8: return sizeof(kvm_lapic_state);
        case 9: return sizeof(kvm_msr_entry);
        case 10: return sizeof(kvm_vcpu_events);
        case 11: return sizeof(kvm_cpuid_entry2);
        default: return 16;
    }
}

size_t vm_size(uint32_t tag) {
    switch (tag) {
        case 1:
        case 2:
        case 3: return sizeof(kvm_irqchip);
        case 4: return sizeof(kvm_pit_state2);
        case 5: return sizeof(SavedClock);
        default: return 16;
    }
}

void put32(std::vector<uint8_t>& out, uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

std::vector<uint8_t> build(Input& in, bool vcpu) {
    std::vector<uint8_t> blob;
    for (int records = 0; !in.empty() && records < 24; ++records) {
        const uint32_t tag = in.byte() % (vcpu ? 13 : 7);  // 0 and one past the last: unknown tags
        const uint8_t shape = in.byte();
        const size_t natural = vcpu ? vcpu_size(tag) : vm_size(tag);
        size_t length;
        switch (shape & 3) {
            case 0: length = natural; break;
            case 1: length = natural * in.byte(); break;  // arrays; XSAVE areas of whole 4 KiB multiples
            case 2: length = in.u16(); break;
            default: length = natural + static_cast<int8_t>(in.byte()); break;
        }
        if (length > 64 * 1024 + 64) length = 64 * 1024 + 64;
        const size_t header = blob.size();
        put32(blob, tag);
        put32(blob, static_cast<uint32_t>(length));
        blob.resize(header + 8 + length);
        in.bytes(blob.data() + header + 8, length);
        if (!vcpu && tag >= 1 && tag <= 3 && (shape & 4) && length >= 4) {
            const uint32_t chip = tag - 1;  // KVM_IRQCHIP_PIC_MASTER, _SLAVE, _IOAPIC
            std::memcpy(blob.data() + header + 8 + offsetof(kvm_irqchip, chip_id), &chip, 4);
        }
        if ((shape & 8) && blob.size() > 4) {
            // A record header that lies: its length now claims more (or less) than follows.
            uint32_t claimed = static_cast<uint32_t>(length) + in.u16() - 0x8000;
            std::memcpy(blob.data() + header + 4, &claimed, 4);
        }
    }
    return blob;
}

[[noreturn]] void mismatch(const char* what) {
    std::fprintf(stderr, "kvm_state_fuzzer: %s: encode(decode(blob)) does not decode to the same encoding\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    ++stats.inputs;
    if (size == 0) return 0;
    const bool vcpu = (data[0] & 1) == 0;
    Input in(data + 1, size - 1);
    std::vector<uint8_t> blob;
    if (data[0] & 2) {
        blob.assign(data + 1, data + size);
    } else {
        blob = build(in, vcpu);
    }
    // Exactly the blob's bytes on the heap, so ASan sees any read past its end.
    auto* exact = static_cast<uint8_t*>(std::malloc(blob.size() + 1));
    if (!blob.empty()) std::memcpy(exact, blob.data(), blob.size());
    try {
        if (vcpu) {
            const VcpuState state = decode_vcpu("vCPU 0 state", exact, blob.size());
            const std::vector<uint8_t> again = encode_vcpu(state);
            if (encode_vcpu(decode_vcpu("vCPU 0 state", again.data(), again.size())) != again) mismatch("vCPU");
            if (state.xsave.size() > kMaxXsaveBytes) mismatch("XSAVE over its bound");
            if (state.msrs && state.msrs->size() > kMaxMsrs) mismatch("MSRs over their bound");
            if (state.cpuid && state.cpuid->size() > kMaxCpuidEntries) mismatch("CPUID over its bound");
            ++stats.vcpu_decoded;
            if (state.msrs && !state.msrs->empty()) ++stats.vcpu_msrs;
        } else {
            const VmState state = decode_vm("VM state", exact, blob.size());
            const std::vector<uint8_t> again = encode_vm(state);
            if (encode_vm(decode_vm("VM state", again.data(), again.size())) != again) mismatch("VM");
            if (state.ioapic && state.ioapic->chip_id != KVM_IRQCHIP_IOAPIC) mismatch("IOAPIC chip_id");
            ++stats.vm_decoded;
            if (state.ioapic) ++stats.vm_irqchips;
        }
    } catch (const CoreError& error) {
        // Every refusal is InvalidArgument and says where.
        if (error.kind() != ErrorKind::InvalidArgument) std::abort();
        ++stats.refused;
    }
    std::free(exact);
    return 0;
}
