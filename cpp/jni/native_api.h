// The flat, primitive-only API that io.vmm4j.jni.NativeCore binds through JavaCPP.
//
// Every function that can fail returns an int64_t: a value >= 0 on success (a handle, a
// count or a read value) and -1 on failure. After a failure, the vmm4j_last_error_*
// functions describe it on the same thread. No C++ exception crosses this boundary.
//
// Every number both sides must agree on (exit kinds, error kinds, exit-info slots, block sizes of
// the arrays below, segment packing, virtio ids and bits) is in the table vmm4j_contract_* serves,
// which io.vmm4j.jni.NativeContract reads once when the library loads (jni/contract.h).
#pragma once

#include <cstdint>

// The device upcall (bus/upcall.h); device keys -1 and -2 report an access no device claimed.
typedef int32_t (*vmm4j_io_upcall)(int32_t vcpu_key, int32_t device_key, int64_t address, int32_t size,
                                   int32_t is_write, int64_t data);
// The output upcall (bus/output_sink.h): `length` bytes for sink `sink_key`, which Java copies
// with vmm4j_sink_copy during the call.
typedef int32_t (*vmm4j_sink_upcall)(int32_t sink_key, int32_t length);

// The contract table: `count` named constants; a name is null and a value 0 outside it.
int32_t vmm4j_contract_count();
const char* vmm4j_contract_name(int32_t index);
int64_t vmm4j_contract_value(int32_t index);

int32_t vmm4j_last_error_kind();
int32_t vmm4j_last_error_errno();
const char* vmm4j_last_error_operation();
const char* vmm4j_last_error_message();

void vmm4j_set_io_upcall(vmm4j_io_upcall upcall);
void vmm4j_set_sink_upcall(vmm4j_sink_upcall upcall);
// Inside a sink upcall: copies up to `capacity` bytes of the output being delivered on this thread;
// returns how many. Fails outside a sink upcall.
int64_t vmm4j_sink_copy(int8_t* destination, int32_t capacity);

int64_t vmm4j_system_open(const char* device_path);
void vmm4j_system_close(int64_t system);
int64_t vmm4j_system_check_extension(int64_t system, int32_t capability);

int64_t vmm4j_vm_create(int64_t system);
void vmm4j_vm_close(int64_t vm);
int64_t vmm4j_vm_check_extension(int64_t vm, int32_t capability);
// The in-kernel PIC, IOAPIC and LAPICs, and the PIT when with_pit is non-zero.
int64_t vmm4j_vm_create_irqchip(int64_t vm, int32_t with_pit);
// KVM_REINJECT_CONTROL: non-zero reinjects the PIT ticks a guest missed (KVM's default), zero drops them.
int64_t vmm4j_vm_set_pit_reinject(int64_t vm, int32_t reinject);
int64_t vmm4j_vm_set_io_thread_cpus(int64_t vm, const int32_t* cpus, int32_t count);
int64_t vmm4j_vm_set_irq_line(int64_t vm, int32_t gsi, int32_t level);
int64_t vmm4j_vm_add_memory(int64_t vm, int64_t guest_address, int64_t size);
// space: 0 = PIO, 1 = MMIO.
int64_t vmm4j_vm_add_java_device(int64_t vm, int32_t space, int64_t base, int64_t length, int32_t device_key);
int64_t vmm4j_vm_add_null_device(int64_t vm, int32_t space, int64_t base, int64_t length);
// Returns a serial handle for vmm4j_serial_enqueue_input. irq < 0: no interrupt line. Output goes
// in batches to sink `sink_key`; a failing sink is reported as a failure of device `device_key`.
int64_t vmm4j_vm_add_serial(int64_t vm, int32_t space, int64_t base, int32_t irq, int32_t device_key, int32_t sink_key);
int64_t vmm4j_serial_enqueue_input(int64_t serial, const int8_t* bytes, int32_t length);
// Device state (Serial16550::save_state): copies up to `capacity` bytes and returns the full
// length; call again with a larger buffer when it is more than `capacity`.
int64_t vmm4j_serial_save_state(int64_t serial, int8_t* buffer, int32_t capacity);
int64_t vmm4j_serial_restore_state(int64_t serial, const int8_t* state, int32_t length);
// 1 when every running vCPU parked, 0 on timeout.
int64_t vmm4j_vm_pause(int64_t vm, int64_t timeout_millis);
int64_t vmm4j_vm_resume(int64_t vm);
int64_t vmm4j_vm_request_stop(int64_t vm);

// `offset` indexes into the host buffer; the Java caller has checked it against the array.
int64_t vmm4j_memory_read(int64_t vm, int64_t guest_address, int8_t* destination, int32_t offset, int32_t length);
int64_t vmm4j_memory_write(int64_t vm, int64_t guest_address, const int8_t* source, int32_t offset, int32_t length);
// size 1, 2, 4 or 8: stores the value read, zero-extended, in *value.
int64_t vmm4j_memory_read_value(int64_t vm, int64_t guest_address, int32_t size, int64_t* value);
int64_t vmm4j_memory_write_value(int64_t vm, int64_t guest_address, int32_t size, int64_t value);
int64_t vmm4j_memory_set_dirty_logging(int64_t vm, int32_t enabled);
int64_t vmm4j_memory_region_count(int64_t vm);
int64_t vmm4j_memory_region_address(int64_t vm, int32_t index);
int64_t vmm4j_memory_region_size(int64_t vm, int32_t index);
int64_t vmm4j_memory_get_dirty_log(int64_t vm, int32_t index, int64_t* bitmap, int32_t words);

// ---- snapshots (cpp/snapshot) ----
// Guest RAM at [guest_address, +size) mapped MAP_PRIVATE from `path` at file_offset (opened read-only).
int64_t vmm4j_vm_add_memory_file(int64_t vm, int64_t guest_address, int64_t size, const char* path,
                                 int64_t file_offset);
// Writes guest RAM to a new sparse file at `path` (regions in guest-address order, back to back).
// Full (diff = 0): the pages that may hold data, and dirty tracking starts afresh for the next diff.
// Diff: only the pages written since the last save, whose bitmap (each region's words in turn,
// `words` in all) goes to `pages`. Returns the bytes of page data written.
int64_t vmm4j_memory_save(int64_t vm, const char* path, int32_t diff, int64_t* pages, int32_t words);
// Copies the pages set in `pages` (laid out as vmm4j_memory_save's) from the file at `path`.
int64_t vmm4j_memory_overlay(int64_t vm, const char* path, const int64_t* pages, int32_t words);
// The words of the page bitmap vmm4j_memory_save and vmm4j_memory_overlay take.
int64_t vmm4j_memory_bitmap_words(int64_t vm);
// A paused vCPU's or VM's KVM state as records (cpp/snapshot/kvm_state.h). Returns the full length;
// writes it only when it fits in `capacity`.
int64_t vmm4j_vcpu_save_state(int64_t vm, int64_t vcpu, int8_t* buffer, int32_t capacity);
int64_t vmm4j_vcpu_restore_state(int64_t vm, int64_t vcpu, const int8_t* buffer, int32_t length);
int64_t vmm4j_vm_save_state(int64_t vm, int8_t* buffer, int32_t capacity);
// advance_clock: move kvmclock on by the host time since the save.
int64_t vmm4j_vm_restore_state(int64_t vm, const int8_t* buffer, int32_t length, int32_t advance_clock);
// KVM_KVMCLOCK_CTRL: 1 when the guest uses kvmclock and was told it was stopped, else 0.
int64_t vmm4j_vcpu_kvmclock_ctrl(int64_t vcpu);

int64_t vmm4j_vcpu_create(int64_t vm, int32_t id, int32_t key);
// The vCPU's exit info block (exit_info.slots int64 slots), valid until the VM closes.
int64_t* vmm4j_vcpu_exit_info(int64_t vcpu);
// mode: 0 = manual, 1 = managed. Returns the exit kind.
int64_t vmm4j_vcpu_run(int64_t vcpu, int32_t mode);
// CPUID entries are blocks of slots.cpuid_entry slots: function, index, flags, eax, ebx, ecx, edx.
// Returns the number of entries; fails if more than max_entries.
int64_t vmm4j_system_supported_cpuid(int64_t system, int64_t* entries, int32_t max_entries);
int64_t vmm4j_vcpu_set_cpuid(int64_t vcpu, const int64_t* entries, int32_t count);
// KVM_SET_XCRS with XCR0 only; KVM refuses a mask the vCPU's CPUID does not offer.
int64_t vmm4j_vcpu_set_xcr0(int64_t vcpu, int64_t value);
// MSRs as (index, value) pairs. Returns how many were set, or read, before KVM stopped.
int64_t vmm4j_vcpu_set_msrs(int64_t vcpu, const int64_t* pairs, int32_t count);
int64_t vmm4j_vcpu_get_msrs(int64_t vcpu, int64_t* pairs, int32_t count);
// The guest physical address a linear address maps to under the vCPU's current paging.
int64_t vmm4j_vcpu_translate(int64_t vcpu, int64_t linear_address);
int64_t vmm4j_vcpu_set_fpu_control(int64_t vcpu, int32_t fcw, int32_t mxcsr);
// The local APIC register page (slots.lapic_bytes = KVM_APIC_REG_SIZE bytes).
int64_t vmm4j_vcpu_get_lapic(int64_t vcpu, int8_t* registers);
int64_t vmm4j_vcpu_set_lapic(int64_t vcpu, const int8_t* registers);
int64_t vmm4j_vcpu_get_regs(int64_t vcpu, int64_t* regs);
int64_t vmm4j_vcpu_set_regs(int64_t vcpu, const int64_t* regs);
int64_t vmm4j_vcpu_get_sregs(int64_t vcpu, int64_t* sregs);
int64_t vmm4j_vcpu_set_sregs(int64_t vcpu, const int64_t* sregs);
int64_t vmm4j_vcpu_set_io_in_result(int64_t vcpu, int64_t value);
int64_t vmm4j_vcpu_set_mmio_read_result(int64_t vcpu, int64_t value);

// ---- virtio devices (cpp/virtio). A device handle stays valid until the VM closes. ----
// notify_address: the device's QueueNotify register (an ioeventfd per queue, datamatch = index);
// gsi: its interrupt line (an irqfd when the VM has the in-kernel irqchip).
// Builds a virtio device of `kind` (cpp/virtio/kinds) on the VM's I/O thread, its doorbell at `notify_address`
// and its interrupt on `gsi`; queues may be up to `queue_max_size`. The kind reads `path`, `label`, `numbers` and
// `output_key` as it needs, and writes what its Java model needs into `results`: a count, then the values.
// Returns the device handle.
int64_t vmm4j_virtio_add(int64_t vm, const char* kind, int64_t notify_address, int32_t gsi, int32_t queue_max_size,
                         const char* path, const char* label, const int64_t* numbers, int32_t number_count,
                         int32_t output_key, int64_t* results, int32_t result_capacity);
// Queue blocks of slots.virtio_queue slots: size (0 = unused), descriptor table, driver area, device area.
int64_t vmm4j_virtio_activate(int64_t device, const int64_t* queues, int32_t count, int64_t features);
int64_t vmm4j_virtio_reset(int64_t device);
int64_t vmm4j_virtio_interrupt_status(int64_t device);
int64_t vmm4j_virtio_interrupt_ack(int64_t device, int32_t bits);
int64_t vmm4j_virtio_needs_reset(int64_t device);
// Copies the first failure's description; returns its full length.
int64_t vmm4j_virtio_failure(int64_t device, int8_t* buffer, int32_t capacity);
// Returns the number of bytes accepted (the input buffer is bounded).
int64_t vmm4j_virtio_console_input(int64_t device, const int8_t* bytes, int32_t offset, int32_t length);
// Device state (VirtioDevice::save_state), returned as vmm4j_serial_save_state returns it.
int64_t vmm4j_virtio_save_state(int64_t device, int8_t* buffer, int32_t capacity);
int64_t vmm4j_virtio_restore_state(int64_t device, const int8_t* state, int32_t length);
// Test and benchmark hooks: ring a queue's doorbell; wait for the interrupt eventfd (1, or 0 on
// timeout; only without the in-kernel irqchip, which would consume it).
int64_t vmm4j_virtio_notify(int64_t device, int32_t queue);
int64_t vmm4j_virtio_wait_interrupt(int64_t device, int64_t timeout_millis);
