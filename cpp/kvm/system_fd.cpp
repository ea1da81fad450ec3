#include "kvm/system_fd.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "kvm/ioctl.h"

namespace vmm4j {

SystemFd SystemFd::open(const std::string& device_path) {
    // No O_CREAT: a missing device must stay missing, never become an ordinary file.
    int fd = ::open(device_path.c_str(), O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) throw_errno("open", device_path);
    SystemFd system{UniqueFd(fd)};
    struct stat status {};
    if (::fstat(fd, &status) != 0) throw_errno("fstat", device_path);
    if (!S_ISCHR(status.st_mode)) {
        throw CoreError(ErrorKind::System, "open",
                        device_path + " is " + (S_ISREG(status.st_mode) ? "a regular file" : "not a device") +
                            ", not the KVM character device");
    }
    int version = VMM4J_IOCTL(fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) {
        throw CoreError(ErrorKind::System, "KVM_GET_API_VERSION",
                        device_path + " reports API version " + std::to_string(version) + ", expected " +
                            std::to_string(KVM_API_VERSION));
    }
    return system;
}

int SystemFd::check_extension(int capability) const { return VMM4J_IOCTL(fd_.get(), KVM_CHECK_EXTENSION, capability); }

size_t SystemFd::vcpu_mmap_size() const {
    return static_cast<size_t>(VMM4J_IOCTL(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0));
}

int SystemFd::create_vm() const { return VMM4J_IOCTL(fd_.get(), KVM_CREATE_VM, 0UL); }

std::vector<kvm_cpuid_entry2> SystemFd::supported_cpuid() const {
    for (size_t capacity = 64; capacity <= 4096; capacity *= 2) {
        std::vector<uint8_t> buffer(sizeof(kvm_cpuid2) + capacity * sizeof(kvm_cpuid_entry2));
        auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
        cpuid->nent = static_cast<uint32_t>(capacity);
        if (::ioctl(fd_.get(), KVM_GET_SUPPORTED_CPUID, cpuid) == 0) {
            return {cpuid->entries, cpuid->entries + cpuid->nent};
        }
        if (errno != E2BIG) throw_errno("KVM_GET_SUPPORTED_CPUID");
    }
    throw CoreError(ErrorKind::System, "KVM_GET_SUPPORTED_CPUID", "more than 4096 entries");
}

std::vector<uint32_t> SystemFd::msr_index_list() const {
    kvm_msr_list probe{};
    if (::ioctl(fd_.get(), KVM_GET_MSR_INDEX_LIST, &probe) == 0) return {};
    if (errno != E2BIG) throw_errno("KVM_GET_MSR_INDEX_LIST");
    std::vector<uint32_t> buffer(1 + probe.nmsrs);
    auto* list = reinterpret_cast<kvm_msr_list*>(buffer.data());
    list->nmsrs = probe.nmsrs;
    VMM4J_IOCTL(fd_.get(), KVM_GET_MSR_INDEX_LIST, list);
    return {list->indices, list->indices + list->nmsrs};
}

}  // namespace vmm4j
