#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kvm/event_fd.h"
#include "virtio/event_routes.h"
#include "virtio/io_thread.h"
#include "virtio/queue/guest_access.h"
#include "virtio/queue/split_queue.h"

namespace vmm4j {
namespace virtio {

// What a device needs from its VM; all of it outlives the device.
struct DeviceContext {
    const GuestAccess& memory;
    IoThread& io;
    EventRoutes& routes;
    uint64_t notify_address;  // the QueueNotify register of the device's MMIO window
    uint32_t gsi;
};

// The native half of one virtio-mmio device: its queues, interrupt and needs-reset state.
// The register state machine is in Java (io.vmm4j.devices.virtio); this side starts at
// DRIVER_OK (activate) and ends at a reset. Queue processing runs on the VM's I/O thread,
// woken by one doorbell eventfd per queue (on KVM an ioeventfd on QueueNotify, datamatch = queue
// index); interrupts go out through one eventfd (on KVM an irqfd). One mutex serialises
// processing with activate() and reset(), so reset() returns only after the I/O thread has let
// go of the queues.
class VirtioDevice {
public:
    VirtioDevice(const DeviceContext& context, std::string name, uint16_t queue_count);
    virtual ~VirtioDevice();
    VirtioDevice(const VirtioDevice&) = delete;
    VirtioDevice& operator=(const VirtioDevice&) = delete;

    // `queues[i].size == 0` leaves queue i unused. Throws (and changes nothing) when a ring is
    // misaligned or outside guest memory, or when the device is already active.
    void activate(const std::vector<QueueConfig>& queues, uint64_t features);
    // Releases every queue; waits for a request in progress to complete.
    void reset();

    uint32_t interrupt_status() const noexcept { return isr_.load(); }
    void acknowledge(uint32_t bits) noexcept { isr_.fetch_and(~bits); }
    bool needs_reset() const noexcept { return needs_reset_.load(); }
    std::string failure() const;
    uint16_t queue_count() const noexcept { return static_cast<uint16_t>(slots_.size()); }
    // The largest queue the transport offers (QueueNumMax); activate() refuses a larger one.
    void limit_queue_size(uint16_t max) noexcept { queue_max_size_ = max; }
    uint16_t queue_max_size() const noexcept { return queue_max_size_; }

    // Test and benchmark hooks: ring a queue's doorbell as the guest's QueueNotify would, and
    // wait for the interrupt eventfd (only meaningful without the in-kernel irqchip, where KVM
    // does not consume it).
    void notify(uint16_t queue);
    bool wait_interrupt(int64_t timeout_millis) const { return irq_.wait(timeout_millis); }

protected:
    // Serves queue `index`; called on the I/O thread with the lock held, the device active.
    virtual void process(uint16_t index) = 0;
    virtual void on_reset() {}

    // Pops every available chain of queue `index` and hands it to `handle`, which returns
    // nullptr and sets the used length, or a description of why the chain is unacceptable
    // (which breaks the device). Interrupts the driver when it asked to be.
    template <typename Handler>
    void drain(uint16_t index, Handler&& handle) {
        drain_while(
            index, [] { return true; }, handle);
    }
    // Same, but stops before popping a chain once `gate()` is false.
    template <typename Gate, typename Handler>
    void drain_while(uint16_t index, Gate&& gate, Handler&& handle);
    // Marks the device broken: DEVICE_NEEDS_RESET plus a configuration-change interrupt.
    void fail(const std::string& why);
    void interrupt(uint32_t bits) noexcept;
    SplitQueue* queue(uint16_t index) noexcept;
    bool active() const noexcept { return active_; }
    uint64_t features() const noexcept { return features_; }
    IoThread& io() noexcept { return io_; }
    std::mutex& lock() noexcept { return mutex_; }
    const std::string& name() const noexcept { return name_; }

    // Chains popped per wake-up before the thread moves on to other work.
    static constexpr int kBudget = 256;

private:
    struct QueueSlot final : IoHandler {
        VirtioDevice* device = nullptr;
        uint16_t index = 0;
        EventFd doorbell;  // before the route that refers to it
        std::unique_ptr<Route> route;
        std::optional<SplitQueue> queue;
        void on_ready() noexcept override;
    };
    void serve(QueueSlot& slot) noexcept;

    std::string name_;
    IoThread& io_;
    const GuestAccess& memory_;
    EventFd irq_;  // before the route that refers to it
    std::unique_ptr<Route> irq_route_;
    std::vector<std::unique_ptr<QueueSlot>> slots_;
    std::atomic<uint32_t> isr_{0};
    std::atomic<bool> needs_reset_{false};
    uint16_t queue_max_size_ = kMaxQueueSize;  // set once, before the device is reachable

    mutable std::mutex mutex_;
    // Guarded by mutex_.
    bool active_ = false;
    uint64_t features_ = 0;
    std::string failure_;
    Chain chain_;
};

template <typename Gate, typename Handler>
void VirtioDevice::drain_while(uint16_t index, Gate&& gate, Handler&& handle) {
    SplitQueue* q = queue(index);
    if (q == nullptr) return;
    // With EVENT_IDX the driver names the used index it wants an interrupt at (used_event), so
    // it is checked after every completion: a driver that asked for an interrupt at the end of
    // one batch gets it while the next batch is still being served, and can refill meanwhile.
    // The check is a fence and a load; the irqfd is written only when the driver asked.
    // Without EVENT_IDX there is no such index, so the driver is interrupted once per drain.
    const bool per_completion = q->event_idx();
    bool used = false;  // used entries not yet considered for an interrupt
    int budget = kBudget;
    do {
        q->disable_notification();  // no doorbell needed while we keep popping
        for (;;) {
            if (!gate()) {
                q->enable_notification();
                if (used && q->needs_interrupt()) interrupt(kInterruptUsedBuffer);
                return;
            }
            if (budget-- == 0) {
                q->enable_notification();
                notify(index);  // come back after the other devices had their turn
                if (used && q->needs_interrupt()) interrupt(kInterruptUsedBuffer);
                return;
            }
            const SplitQueue::Pop popped = q->pop(chain_);
            if (popped == SplitQueue::Pop::Empty) break;
            if (popped == SplitQueue::Pop::Broken) {
                fail("queue " + std::to_string(index) + ": " + q->error());
                return;
            }
            uint32_t length = 0;
            if (const char* refusal = handle(chain_, length)) {
                fail("queue " + std::to_string(index) + ", chain head " + std::to_string(chain_.head) + ": " + refusal);
                return;
            }
            for (const Segment& segment : chain_.segments) {
                if (segment.writable) memory_.mark_dirty(segment.address, segment.length);
            }
            q->add_used(chain_.head, length);
            if (per_completion) {
                if (q->needs_interrupt()) interrupt(kInterruptUsedBuffer);
            } else {
                used = true;
            }
        }
    } while (q->enable_notification());
    if (used && q->needs_interrupt()) interrupt(kInterruptUsedBuffer);
}

}  // namespace virtio
}  // namespace vmm4j
