#include "vm/machine.h"

#include "common/error.h"
#include "kvm/ioeventfd.h"
#include "kvm/irqfd.h"
#include "virtio/virtio_hub.h"

namespace vmm4j {

namespace {
// Addresses KVM needs for real-mode and TSS emulation on Intel; they sit in the top 16 MiB
// below 4 GiB, which the x86 layout keeps free of RAM and devices.
constexpr uint64_t kTssAddress = 0xfffbd000;
constexpr uint64_t kIdentityMapAddress = 0xfffbc000;
}  // namespace

Machine::Machine(const SystemFd& system)
    : vcpu_mmap_size_(system.vcpu_mmap_size()), vm_(system.create_vm()), memory_(vm_) {
    vm_.set_identity_map_address(kIdentityMapAddress);
    vm_.set_tss_address(kTssAddress);
}

Machine::~Machine() = default;

namespace {
// A KVM registration held as a virtio route.
template <typename Registration>
class KvmRoute final : public virtio::Route {
public:
    template <typename... Args>
    explicit KvmRoute(Args&&... args) : registration_(std::forward<Args>(args)...) {}

private:
    Registration registration_;
};

// Doorbells as ioeventfds on the QueueNotify register; interrupts as irqfds when the in-kernel
// irqchip exists (without it the eventfd is left for wait_interrupt()).
class KvmEventRoutes final : public virtio::EventRoutes {
public:
    KvmEventRoutes(const VmFd& vm, bool irqchip) : vm_(vm), irqchip_(irqchip) {}
    std::unique_ptr<virtio::Route> doorbell(const EventFd& doorbell, uint64_t notify_address, uint16_t queue) override {
        return std::make_unique<KvmRoute<IoEventFd>>(vm_, doorbell, notify_address, 4, queue);
    }
    std::unique_ptr<virtio::Route> interrupt(const EventFd& interrupt, uint32_t gsi) override {
        if (!irqchip_) return nullptr;
        return std::make_unique<KvmRoute<IrqFd>>(vm_, interrupt, gsi);
    }

private:
    const VmFd& vm_;
    bool irqchip_;
};
}  // namespace

VirtioHub& Machine::virtio() {
    if (!virtio_) {
        virtio_ = std::make_unique<VirtioHub>(std::make_unique<GuestMemoryAccess>(memory_),
                                              std::make_unique<KvmEventRoutes>(vm_, irqchip_), io_thread_cpus_);
    }
    return *virtio_;
}

void Machine::set_io_thread_cpus(std::vector<int> cpus) {
    if (virtio_) throw CoreError(ErrorKind::State, "set I/O thread CPUs", "the I/O thread is already running");
    IoThread::check_cpus(cpus);
    io_thread_cpus_ = std::move(cpus);
}

Vcpu& Machine::create_vcpu(uint32_t id, int32_t key) {
    for (const auto& vcpu : vcpus_) {
        if (vcpu->id() == id)
            throw CoreError(ErrorKind::Conflict, "KVM_CREATE_VCPU", "vCPU " + std::to_string(id) + " exists");
    }
    int fd = vm_.create_vcpu(id);
    vcpus_.push_back(std::make_unique<Vcpu>(control_, pio_bus_, mmio_bus_, id, key, fd, vcpu_mmap_size_));
    return *vcpus_.back();
}

void Machine::create_irqchip(bool with_pit) {
    if (!vcpus_.empty()) throw CoreError(ErrorKind::State, "KVM_CREATE_IRQCHIP", "vCPUs already exist");
    if (irqchip_) throw CoreError(ErrorKind::State, "KVM_CREATE_IRQCHIP", "the irqchip already exists");
    vm_.create_irqchip();
    if (with_pit) vm_.create_pit2();
    irqchip_ = true;
    pit_ = with_pit;
}

void Machine::set_pit_reinject(bool reinject) {
    if (!pit_) throw CoreError(ErrorKind::State, "KVM_REINJECT_CONTROL", "the VM has no in-kernel PIT");
    vm_.set_pit_reinject(reinject);
}

void Machine::set_irq_line(uint32_t gsi, bool level) {
    if (!irqchip_) throw CoreError(ErrorKind::State, "KVM_IRQ_LINE", "the VM has no in-kernel irqchip");
    vm_.set_irq_line(gsi, level);
}

namespace {
class KvmIrqLine final : public IrqLine {
public:
    KvmIrqLine(const VmFd& vm, uint32_t gsi) : vm_(vm), gsi_(gsi) {}
    void set_level(bool asserted) override { vm_.set_irq_line(gsi_, asserted); }

private:
    const VmFd& vm_;
    uint32_t gsi_;
};
}  // namespace

std::unique_ptr<IrqLine> Machine::irq_line(uint32_t gsi) {
    if (!irqchip_)
        throw CoreError(ErrorKind::State, "irq line", "the VM has no in-kernel irqchip for GSI " + std::to_string(gsi));
    return std::make_unique<KvmIrqLine>(vm_, gsi);
}

}  // namespace vmm4j
