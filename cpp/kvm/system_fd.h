#pragma once

#include "kvm/linux_kvm.h"

#include <memory>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace vmm4j {

// The /dev/kvm file descriptor: capabilities and VM creation.
class SystemFd {
public:
    static SystemFd open(const std::string& device_path);

    int check_extension(int capability) const;
    size_t vcpu_mmap_size() const;
    int create_vm() const;  // returns a new VM fd the caller must own
    std::vector<kvm_cpuid_entry2> supported_cpuid() const;
    // KVM_GET_MSR_INDEX_LIST: the MSRs KVM saves and restores (not all readable on every host).
    std::vector<uint32_t> msr_index_list() const;
    int fd() const noexcept { return fd_.get(); }

private:
    explicit SystemFd(UniqueFd fd) : fd_(std::move(fd)) {}
    UniqueFd fd_;
};

}  // namespace vmm4j
