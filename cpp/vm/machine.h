#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "bus/io_bus.h"
#include "devices/irq_line.h"
#include "kvm/system_fd.h"
#include "kvm/vm_fd.h"
#include "memory/guest_memory.h"
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

    // Run control, callable from any thread.
    // pause() returns once every vCPU inside a managed run() is parked (false on timeout) and the
    // virtio devices are quiesced (VirtioHub::pause); resume() lets both go on.
    bool pause(int64_t timeout_millis);
    void resume();
    void request_stop();
    bool stop_requested() const noexcept;
    bool pause_requested() const noexcept;

    // Used by Vcpu::run().
    void enter_run();
    void leave_run();
    // Parks a managed vCPU while paused; returns when resumed or stopped.
    void park_while_paused();

private:
    size_t vcpu_mmap_size_;
    VmFd vm_;
    GuestMemory memory_;
    IoBus pio_bus_{"PIO"};
    IoBus mmio_bus_{"MMIO"};
    std::vector<std::unique_ptr<Vcpu>> vcpus_;
    bool irqchip_ = false;
    bool pit_ = false;

    mutable std::mutex control_mutex_;
    std::condition_variable control_changed_;
    // Atomic so the run loop can test them without the mutex; written under it.
    std::atomic<bool> pause_requested_{false};
    std::atomic<bool> stop_requested_{false};
    int running_ = 0;  // threads inside Vcpu::run()
    int parked_ = 0;   // of those, parked in park_while_paused()

    // Last member: destroyed first, so the virtio I/O thread is joined while RAM and the VM fd exist.
    std::vector<int> io_thread_cpus_;
    std::unique_ptr<VirtioHub> virtio_;
};

}  // namespace vmm4j
