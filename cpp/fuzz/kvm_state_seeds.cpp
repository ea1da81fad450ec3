// Writes the seeds of kvm_state_fuzzer into the folder given: a whole vCPU blob and a whole VM blob (with
// the irqchip and the PIT), each in the fuzzer's raw form and in its built form, so that the run starts
// from blobs that decode.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "snapshot/kvm_records.h"

using namespace vmm4j::snapshot;

namespace {

void write(const std::string& path, const std::vector<uint8_t>& bytes) {
    FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) {
        std::perror(path.c_str());
        std::exit(1);
    }
    std::fclose(file);
}

// The built form of a blob: each record's [tag][shape][payload], shape 0 (the struct's own size) or, for
// arrays and the XSAVE area, shape 1 with a count of entries.
std::vector<uint8_t> built(uint8_t selector, const std::vector<uint8_t>& blob, bool vcpu) {
    std::vector<uint8_t> out{selector};
    size_t offset = 0;
    while (offset + 8 <= blob.size()) {
        const uint32_t tag = blob[offset];
        uint32_t length = 0;
        for (int i = 0; i < 4; ++i) length |= uint32_t(blob[offset + 4 + i]) << (8 * i);
        out.push_back(static_cast<uint8_t>(tag));
        const bool array = vcpu && (tag == 9 || tag == 11);
        if (array) {
            out.push_back(1);
            out.push_back(static_cast<uint8_t>(length / (tag == 9 ? sizeof(kvm_msr_entry) : sizeof(kvm_cpuid_entry2))));
        } else {
            out.push_back(!vcpu && tag <= 3 ? 4 : 0);  // irqchips: set the right chip_id
        }
        out.insert(out.end(), blob.begin() + static_cast<std::ptrdiff_t>(offset + 8),
                   blob.begin() + static_cast<std::ptrdiff_t>(offset + 8 + length));
        offset += 8 + length;
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: kvm_state_seeds FOLDER\n");
        return 2;
    }
    const std::string dir = argv[1];
    VcpuState vcpu;
    vcpu.xsave.assign(sizeof(kvm_xsave), 0);
    vcpu.xcrs = kvm_xcrs{};
    vcpu.xcrs->nr_xcrs = 1;
    vcpu.lapic = kvm_lapic_state{};
    vcpu.msrs = std::vector<kvm_msr_entry>(3);
    (*vcpu.msrs)[0].index = 0x10;   // TSC
    (*vcpu.msrs)[1].index = 0x6e0;  // TSC deadline
    (*vcpu.msrs)[2].index = 0xc0000080;
    vcpu.cpuid = std::vector<kvm_cpuid_entry2>(2);
    const std::vector<uint8_t> vcpu_blob = encode_vcpu(vcpu);
    write(dir + "/seed-vcpu-raw", [&] {
        std::vector<uint8_t> out{2};
        out.insert(out.end(), vcpu_blob.begin(), vcpu_blob.end());
        return out;
    }());
    write(dir + "/seed-vcpu-built", built(0, vcpu_blob, true));

    VmState vm;
    vm.pic_master = kvm_irqchip{};
    vm.pic_master->chip_id = KVM_IRQCHIP_PIC_MASTER;
    vm.pic_slave = kvm_irqchip{};
    vm.pic_slave->chip_id = KVM_IRQCHIP_PIC_SLAVE;
    vm.ioapic = kvm_irqchip{};
    vm.ioapic->chip_id = KVM_IRQCHIP_IOAPIC;
    vm.pit = kvm_pit_state2{};
    const std::vector<uint8_t> vm_blob = encode_vm(vm);
    write(dir + "/seed-vm-raw", [&] {
        std::vector<uint8_t> out{3};
        out.insert(out.end(), vm_blob.begin(), vm_blob.end());
        return out;
    }());
    write(dir + "/seed-vm-built", built(1, vm_blob, false));
    return 0;
}
