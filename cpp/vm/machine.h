#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "bus/io_bus.h"
#include "devices/irq_line.h"
#include "kvm/system_fd.h"
#include "kvm/vm_fd.h"
#include "memory/guest_memory.h"
#include "run/run_control.h"
#include "run/vcpu.h"

namespace vmm4j {

class VirtioHub;

// The native half of one VM: its fd, RAM, buses, vCPUs and the run control that pause()
// and stop() use. Policy (what runs when, what stops the VM) lives in Java.
class Machine {
public:
    explicit Machine(const SystemFd& system);
    ~Machine();

    Vcpu& create_vcpu(uint32_t id, int32_t key);
    // Creates the in-kernel irqchip, and with it the PIT unless with_pit is false; only before the
    // first vCPU.
    void create_irqchip(bool with_pit);
    // KVM_REINJECT_CONTROL: whether the PIT reinjects ticks the guest missed; requires the PIT.
    void set_pit_reinject(bool reinject);
    bool has_irqchip() const noexcept { return irqchip_; }
    void set_irq_line(uint32_t gsi, bool level);
    // A line devices can drive; requires the irqchip.
    std::unique_ptr<IrqLine> irq_line(uint32_t gsi);

    GuestMemory& memory() noexcept { return memory_; }
    // The VM's virtio devices and their I/O thread, created with the first device.
    VirtioHub& virtio();
    // CPUs the I/O thread may run on (empty: any); only before the first virtio device.
    void set_io_thread_cpus(std::vector<int> cpus);
    IoBus& pio_bus() noexcept { return pio_bus_; }
    IoBus& mmio_bus() noexcept { return mmio_bus_; }
    const VmFd& vm_fd() const noexcept { return vm_; }

    // Pause and stop, callable from any thread.
    RunControl& control() noexcept { return control_; }

private:
    size_t vcpu_mmap_size_;
    VmFd vm_;
    GuestMemory memory_;
    IoBus pio_bus_{"PIO"};
    IoBus mmio_bus_{"MMIO"};
    RunControl control_;  // before the vCPUs it kicks
    std::vector<std::unique_ptr<Vcpu>> vcpus_;
    bool irqchip_ = false;
    bool pit_ = false;

    // Last member: destroyed first, so the virtio I/O thread is joined while RAM and the VM fd exist.
    std::vector<int> io_thread_cpus_;
    std::unique_ptr<VirtioHub> virtio_;
};

}  // namespace vmm4j
