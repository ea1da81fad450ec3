#include "jni/native_api.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <exception>
#include <string>

#include "bus/java_device.h"
#include "bus/output_sink.h"
#include "bus/upcall.h"
#include "common/error.h"
#include "devices/null_device.h"
#include "devices/serial_16550.h"
#include "jni/contract.h"
#include "kvm/system_fd.h"
#include "snapshot/kvm_state.h"
#include "virtio/console/console_device.h"
#include "virtio/kinds/device_kinds.h"
#include "virtio/virtio_hub.h"
#include "vm/machine.h"

using namespace vmm4j;
using namespace vmm4j::contract;
using vmm4j::virtio::VirtioDevice;

static_assert(kSpacePio == 0 && kSpaceMmio == 1, "bus_of() numbers the spaces");

namespace {

struct LastError {
    ErrorKind kind = ErrorKind::None;
    int error_number = 0;
    std::string operation;
    std::string message;
};
thread_local LastError last_error;

void record(ErrorKind kind, int error_number, std::string operation, std::string message) noexcept {
    try {
        last_error.kind = kind;
        last_error.error_number = error_number;
        last_error.operation = std::move(operation);
        last_error.message = std::move(message);
    } catch (...) {
        last_error.kind = ErrorKind::Internal;  // out of memory while recording: keep the kind at least
    }
}

// Runs `body`, turning any exception into -1 plus a recorded last error.
template <typename Body>
int64_t guarded(const char* function, Body&& body) noexcept {
    try {
        return body();
    } catch (const CoreError& error) {
        record(error.kind(), error.error_number(), error.operation(), error.what());
    } catch (const std::bad_alloc&) {
        record(ErrorKind::Internal, ENOMEM, function, std::string(function) + ": out of memory");
    } catch (const std::exception& error) {
        record(ErrorKind::Internal, 0, function, std::string(function) + ": " + error.what());
    } catch (...) {
        record(ErrorKind::Internal, 0, function, std::string(function) + ": unknown C++ exception");
    }
    return -1;
}

SystemFd& system_of(int64_t handle) { return *reinterpret_cast<SystemFd*>(handle); }
Machine& machine_of(int64_t handle) { return *reinterpret_cast<Machine*>(handle); }
Vcpu& vcpu_of(int64_t handle) { return *reinterpret_cast<Vcpu*>(handle); }
int64_t handle_of(const void* object) { return reinterpret_cast<int64_t>(object); }

IoBus& bus_of(Machine& machine, int32_t space) {
    switch (space) {
        case kSpacePio: return machine.pio_bus();
        case kSpaceMmio: return machine.mmio_bus();
        default: throw_invalid("add device", "unknown address space " + std::to_string(space));
    }
}

void check_length(const char* operation, int64_t value) {
    if (value < 0) throw_invalid(operation, "negative length " + std::to_string(value));
}

int64_t pack_segment_attributes(const kvm_segment& s) {
    return int64_t(s.selector) | int64_t(s.type & 0xf) << kSegmentTypeShift |
           int64_t(s.present & 1) << kSegmentPresentBit | int64_t(s.dpl & 3) << kSegmentDplShift |
           int64_t(s.db & 1) << kSegmentDbBit | int64_t(s.s & 1) << kSegmentSystemBit |
           int64_t(s.l & 1) << kSegmentLongBit | int64_t(s.g & 1) << kSegmentGranularityBit |
           int64_t(s.avl & 1) << kSegmentAvailableBit | int64_t(s.unusable & 1) << kSegmentUnusableBit;
}

void unpack_segment(const int64_t* block, kvm_segment& s) {
    s.base = static_cast<uint64_t>(block[0]);
    s.limit = static_cast<uint32_t>(block[1]);
    const int64_t a = block[2];
    s.selector = static_cast<uint16_t>(a & 0xffff);
    s.type = (a >> kSegmentTypeShift) & 0xf;
    s.present = (a >> kSegmentPresentBit) & 1;
    s.dpl = (a >> kSegmentDplShift) & 3;
    s.db = (a >> kSegmentDbBit) & 1;
    s.s = (a >> kSegmentSystemBit) & 1;
    s.l = (a >> kSegmentLongBit) & 1;
    s.g = (a >> kSegmentGranularityBit) & 1;
    s.avl = (a >> kSegmentAvailableBit) & 1;
    s.unusable = (a >> kSegmentUnusableBit) & 1;
}

// Copies what fits of a saved state and returns its full length.
int64_t copy_state(const std::vector<uint8_t>& state, int8_t* buffer, int32_t capacity) {
    const size_t copied = std::min<size_t>(state.size(), static_cast<size_t>(capacity));
    if (copied > 0) std::memcpy(buffer, state.data(), copied);
    return static_cast<int64_t>(state.size());
}

VirtioDevice& virtio_of(int64_t handle) { return *reinterpret_cast<VirtioDevice*>(handle); }

uint32_t gsi_of(const char* operation, int32_t gsi) {
    if (gsi < 0) throw_invalid(operation, "negative GSI " + std::to_string(gsi));
    return static_cast<uint32_t>(gsi);
}

kvm_segment* segments(kvm_sregs& sregs, int index) {
    kvm_segment* all[] = {&sregs.cs, &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss, &sregs.tr, &sregs.ldt};
    return all[index];
}

}  // namespace

int32_t vmm4j_last_error_kind() { return static_cast<int32_t>(last_error.kind); }
int32_t vmm4j_last_error_errno() { return last_error.error_number; }
const char* vmm4j_last_error_operation() { return last_error.operation.c_str(); }
const char* vmm4j_last_error_message() { return last_error.message.c_str(); }

int32_t vmm4j_contract_count() { return constant_count(); }

const char* vmm4j_contract_name(int32_t index) {
    return index >= 0 && index < constant_count() ? constants()[index].name : nullptr;
}

int64_t vmm4j_contract_value(int32_t index) {
    return index >= 0 && index < constant_count() ? constants()[index].value : 0;
}

void vmm4j_set_io_upcall(vmm4j_io_upcall upcall) { set_io_upcall(upcall); }

void vmm4j_set_sink_upcall(vmm4j_sink_upcall upcall) { set_sink_upcall(upcall); }

int64_t vmm4j_sink_copy(int8_t* destination, int32_t capacity) {
    return guarded(__func__, [&] {
        check_length("sink copy", capacity);
        return static_cast<int64_t>(copy_delivered(reinterpret_cast<uint8_t*>(destination), capacity));
    });
}

int64_t vmm4j_system_open(const char* device_path) {
    return guarded(__func__, [&] { return handle_of(new SystemFd(SystemFd::open(device_path))); });
}

void vmm4j_system_close(int64_t system) { delete &system_of(system); }

int64_t vmm4j_system_check_extension(int64_t system, int32_t capability) {
    return guarded(__func__, [&] { return int64_t(system_of(system).check_extension(capability)); });
}

int64_t vmm4j_vm_create(int64_t system) {
    return guarded(__func__, [&] { return handle_of(new Machine(system_of(system))); });
}

void vmm4j_vm_close(int64_t vm) { delete &machine_of(vm); }

int64_t vmm4j_vm_check_extension(int64_t vm, int32_t capability) {
    return guarded(__func__, [&] { return int64_t(machine_of(vm).vm_fd().check_extension(capability)); });
}

int64_t vmm4j_vm_set_io_thread_cpus(int64_t vm, const int32_t* cpus, int32_t count) {
    return guarded(__func__, [&] {
        check_length("CPU list", count);
        machine_of(vm).set_io_thread_cpus(std::vector<int>(cpus, cpus + count));
        return int64_t(0);
    });
}

int64_t vmm4j_vm_create_irqchip(int64_t vm, int32_t with_pit) {
    return guarded(__func__, [&] {
        machine_of(vm).create_irqchip(with_pit != 0);
        return int64_t(0);
    });
}

int64_t vmm4j_vm_set_pit_reinject(int64_t vm, int32_t reinject) {
    return guarded(__func__, [&] {
        machine_of(vm).set_pit_reinject(reinject != 0);
        return int64_t(0);
    });
}

int64_t vmm4j_vm_set_irq_line(int64_t vm, int32_t gsi, int32_t level) {
    return guarded(__func__, [&] {
        if (gsi < 0) throw_invalid("KVM_IRQ_LINE", "negative GSI " + std::to_string(gsi));
        machine_of(vm).set_irq_line(static_cast<uint32_t>(gsi), level != 0);
        return int64_t(0);
    });
}

int64_t vmm4j_vm_add_memory(int64_t vm, int64_t guest_address, int64_t size) {
    return guarded(__func__, [&] { return int64_t(machine_of(vm).memory().add_region(guest_address, size)); });
}

int64_t vmm4j_vm_add_java_device(int64_t vm, int32_t space, int64_t base, int64_t length, int32_t device_key) {
    return guarded(__func__, [&] {
        check_length("add device", length);
        bus_of(machine_of(vm), space).add(base, length, std::make_shared<JavaDevice>(device_key));
        return int64_t(0);
    });
}

int64_t vmm4j_vm_add_null_device(int64_t vm, int32_t space, int64_t base, int64_t length) {
    return guarded(__func__, [&] {
        check_length("add device", length);
        bus_of(machine_of(vm), space).add(base, length, std::make_shared<NullDevice>());
        return int64_t(0);
    });
}

int64_t vmm4j_vm_add_serial(int64_t vm, int32_t space, int64_t base, int32_t irq, int32_t device_key,
                            int32_t sink_key) {
    return guarded(__func__, [&] {
        Machine& machine = machine_of(vm);
        auto serial = std::make_shared<Serial16550>(device_key, sink_key, irq >= 0 ? machine.irq_line(irq) : nullptr);
        bus_of(machine, space).add(base, Serial16550::kPortCount, serial);
        return handle_of(serial.get());  // the bus keeps it alive until the VM closes
    });
}

int64_t vmm4j_serial_enqueue_input(int64_t serial, const int8_t* bytes, int32_t length) {
    return guarded(__func__, [&] {
        check_length("serial input", length);
        reinterpret_cast<Serial16550*>(serial)->enqueue_input(reinterpret_cast<const uint8_t*>(bytes), length);
        return int64_t(length);
    });
}

int64_t vmm4j_serial_save_state(int64_t serial, int8_t* buffer, int32_t capacity) {
    return guarded(__func__, [&] {
        check_length("serial state", capacity);
        return copy_state(reinterpret_cast<Serial16550*>(serial)->save_state(), buffer, capacity);
    });
}

int64_t vmm4j_serial_restore_state(int64_t serial, const int8_t* state, int32_t length) {
    return guarded(__func__, [&] {
        check_length("serial state", length);
        reinterpret_cast<Serial16550*>(serial)->restore_state(reinterpret_cast<const uint8_t*>(state),
                                                              static_cast<size_t>(length));
        return int64_t(0);
    });
}

int64_t vmm4j_vm_pause(int64_t vm, int64_t timeout_millis) {
    return guarded(__func__, [&] { return int64_t(machine_of(vm).pause(timeout_millis) ? 1 : 0); });
}

int64_t vmm4j_vm_resume(int64_t vm) {
    return guarded(__func__, [&] {
        machine_of(vm).resume();
        return int64_t(0);
    });
}

int64_t vmm4j_vm_request_stop(int64_t vm) {
    return guarded(__func__, [&] {
        machine_of(vm).control().request_stop();
        return int64_t(0);
    });
}

int64_t vmm4j_memory_read(int64_t vm, int64_t guest_address, int8_t* destination, int32_t offset, int32_t length) {
    return guarded(__func__, [&] {
        check_length("guest memory read", length);
        check_length("guest memory read", offset);
        machine_of(vm).memory().read(guest_address, destination + offset, length);
        return int64_t(length);
    });
}

int64_t vmm4j_memory_write(int64_t vm, int64_t guest_address, const int8_t* source, int32_t offset, int32_t length) {
    return guarded(__func__, [&] {
        check_length("guest memory write", length);
        check_length("guest memory write", offset);
        machine_of(vm).memory().write(guest_address, source + offset, length);
        return int64_t(length);
    });
}

int64_t vmm4j_memory_read_value(int64_t vm, int64_t guest_address, int32_t size, int64_t* value) {
    return guarded(__func__, [&] {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw_invalid("guest memory read", "size must be 1, 2, 4 or 8");
        }
        uint64_t read = 0;
        machine_of(vm).memory().read(guest_address, &read, size);
        *value = static_cast<int64_t>(read);
        return int64_t(0);
    });
}

int64_t vmm4j_memory_write_value(int64_t vm, int64_t guest_address, int32_t size, int64_t value) {
    return guarded(__func__, [&] {
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw_invalid("guest memory write", "size must be 1, 2, 4 or 8");
        }
        machine_of(vm).memory().write(guest_address, &value, size);
        return int64_t(0);
    });
}

int64_t vmm4j_memory_set_dirty_logging(int64_t vm, int32_t enabled) {
    return guarded(__func__, [&] {
        machine_of(vm).memory().set_dirty_logging(DirtyReader::User, enabled != 0);
        return int64_t(0);
    });
}

int64_t vmm4j_memory_region_count(int64_t vm) {
    return guarded(__func__, [&] { return int64_t(machine_of(vm).memory().region_count()); });
}

int64_t vmm4j_memory_region_address(int64_t vm, int32_t index) {
    return guarded(__func__, [&] { return int64_t(machine_of(vm).memory().region_guest_address(index)); });
}

int64_t vmm4j_memory_region_size(int64_t vm, int32_t index) {
    return guarded(__func__, [&] { return int64_t(machine_of(vm).memory().region_size(index)); });
}

int64_t vmm4j_memory_get_dirty_log(int64_t vm, int32_t index, int64_t* bitmap, int32_t words) {
    return guarded(__func__, [&] {
        check_length("dirty log", words);
        machine_of(vm).memory().get_and_clear_dirty_log(DirtyReader::User, index, reinterpret_cast<uint64_t*>(bitmap),
                                                        words);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_create(int64_t vm, int32_t id, int32_t key) {
    return guarded(__func__, [&] {
        if (id < 0) throw_invalid("KVM_CREATE_VCPU", "negative vCPU id");
        return handle_of(&machine_of(vm).create_vcpu(static_cast<uint32_t>(id), key));
    });
}

int64_t* vmm4j_vcpu_exit_info(int64_t vcpu) { return vcpu_of(vcpu).exit_info(); }

int64_t vmm4j_vcpu_run(int64_t vcpu, int32_t mode) {
    return guarded(__func__, [&] {
        if (mode != 0 && mode != 1) throw_invalid("KVM_RUN", "unknown run mode " + std::to_string(mode));
        return static_cast<int64_t>(vcpu_of(vcpu).run(static_cast<RunMode>(mode)));
    });
}

int64_t vmm4j_system_supported_cpuid(int64_t system, int64_t* entries, int32_t max_entries) {
    return guarded(__func__, [&] {
        const std::vector<kvm_cpuid_entry2> supported = system_of(system).supported_cpuid();
        if (supported.size() > static_cast<size_t>(std::max(max_entries, 0))) {
            throw_invalid("KVM_GET_SUPPORTED_CPUID", std::to_string(supported.size()) + " entries exceed the buffer");
        }
        for (size_t i = 0; i < supported.size(); ++i) {
            const kvm_cpuid_entry2& e = supported[i];
            int64_t* out = entries + i * kCpuidEntrySlots;
            out[0] = e.function;
            out[1] = e.index;
            out[2] = e.flags;
            out[3] = e.eax;
            out[4] = e.ebx;
            out[5] = e.ecx;
            out[6] = e.edx;
        }
        return int64_t(supported.size());
    });
}

int64_t vmm4j_vcpu_set_cpuid(int64_t vcpu, const int64_t* entries, int32_t count) {
    return guarded(__func__, [&] {
        check_length("KVM_SET_CPUID2", count);
        std::vector<kvm_cpuid_entry2> list(count);
        for (int32_t i = 0; i < count; ++i) {
            const int64_t* in = entries + i * kCpuidEntrySlots;
            list[i] = kvm_cpuid_entry2{};
            list[i].function = static_cast<uint32_t>(in[0]);
            list[i].index = static_cast<uint32_t>(in[1]);
            list[i].flags = static_cast<uint32_t>(in[2]);
            list[i].eax = static_cast<uint32_t>(in[3]);
            list[i].ebx = static_cast<uint32_t>(in[4]);
            list[i].ecx = static_cast<uint32_t>(in[5]);
            list[i].edx = static_cast<uint32_t>(in[6]);
        }
        vcpu_of(vcpu).fd().set_cpuid(list);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_set_xcr0(int64_t vcpu, int64_t value) {
    return guarded(__func__, [&] {
        vcpu_of(vcpu).fd().set_xcr0(static_cast<uint64_t>(value));
        return int64_t(0);
    });
}

static_assert(kLapicSize == KVM_APIC_REG_SIZE, "LAPIC page size");

namespace {
std::vector<kvm_msr_entry> msr_entries(const int64_t* pairs, int32_t count) {
    check_length("KVM_SET_MSRS", count);
    std::vector<kvm_msr_entry> entries(count);
    for (int32_t i = 0; i < count; ++i) {
        entries[i] = kvm_msr_entry{};
        entries[i].index = static_cast<uint32_t>(pairs[2 * i]);
        entries[i].data = static_cast<uint64_t>(pairs[2 * i + 1]);
    }
    return entries;
}
}  // namespace

int64_t vmm4j_vcpu_set_msrs(int64_t vcpu, const int64_t* pairs, int32_t count) {
    return guarded(__func__, [&] { return int64_t(vcpu_of(vcpu).fd().set_msrs(msr_entries(pairs, count))); });
}

int64_t vmm4j_vcpu_get_msrs(int64_t vcpu, int64_t* pairs, int32_t count) {
    return guarded(__func__, [&] {
        std::vector<kvm_msr_entry> entries = msr_entries(pairs, count);
        const size_t read = vcpu_of(vcpu).fd().get_msrs(entries);
        for (size_t i = 0; i < read; ++i) pairs[2 * i + 1] = static_cast<int64_t>(entries[i].data);
        return int64_t(read);
    });
}

int64_t vmm4j_vcpu_translate(int64_t vcpu, int64_t linear_address) {
    return guarded(__func__, [&] {
        const kvm_translation translation = vcpu_of(vcpu).fd().translate(static_cast<uint64_t>(linear_address));
        if (!translation.valid) {
            char text[64];
            snprintf(text, sizeof text, "linear address 0x%llx is not mapped",
                     static_cast<unsigned long long>(linear_address));
            throw CoreError(ErrorKind::OutOfBounds, "KVM_TRANSLATE", text);
        }
        return static_cast<int64_t>(translation.physical_address);
    });
}

int64_t vmm4j_vcpu_set_fpu_control(int64_t vcpu, int32_t fcw, int32_t mxcsr) {
    return guarded(__func__, [&] {
        kvm_fpu fpu{};
        fpu.fcw = static_cast<uint16_t>(fcw);
        fpu.mxcsr = static_cast<uint32_t>(mxcsr);
        vcpu_of(vcpu).fd().set_fpu(fpu);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_get_lapic(int64_t vcpu, int8_t* registers) {
    return guarded(__func__, [&] {
        const kvm_lapic_state lapic = vcpu_of(vcpu).fd().get_lapic();
        std::memcpy(registers, lapic.regs, sizeof lapic.regs);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_set_lapic(int64_t vcpu, const int8_t* registers) {
    return guarded(__func__, [&] {
        kvm_lapic_state lapic{};
        std::memcpy(lapic.regs, registers, sizeof lapic.regs);
        vcpu_of(vcpu).fd().set_lapic(lapic);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_get_regs(int64_t vcpu, int64_t* regs) {
    return guarded(__func__, [&] {
        static_assert(sizeof(kvm_regs) == kRegsSlots * sizeof(int64_t), "kvm_regs layout");
        const kvm_regs value = vcpu_of(vcpu).fd().get_regs();
        std::memcpy(regs, &value, sizeof value);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_set_regs(int64_t vcpu, const int64_t* regs) {
    return guarded(__func__, [&] {
        kvm_regs value;
        std::memcpy(&value, regs, sizeof value);
        vcpu_of(vcpu).fd().set_regs(value);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_get_sregs(int64_t vcpu, int64_t* out) {
    return guarded(__func__, [&] {
        kvm_sregs sregs = vcpu_of(vcpu).fd().get_sregs();
        for (int i = 0; i < kSegmentCount; ++i) {
            const kvm_segment& s = *segments(sregs, i);
            out[i * kSegmentSlots] = static_cast<int64_t>(s.base);
            out[i * kSegmentSlots + 1] = s.limit;
            out[i * kSegmentSlots + 2] = pack_segment_attributes(s);
        }
        int64_t* rest = out + kSegmentCount * kSegmentSlots;
        rest[0] = static_cast<int64_t>(sregs.gdt.base);
        rest[1] = sregs.gdt.limit;
        rest[2] = static_cast<int64_t>(sregs.idt.base);
        rest[3] = sregs.idt.limit;
        rest[4] = static_cast<int64_t>(sregs.cr0);
        rest[5] = static_cast<int64_t>(sregs.cr2);
        rest[6] = static_cast<int64_t>(sregs.cr3);
        rest[7] = static_cast<int64_t>(sregs.cr4);
        rest[8] = static_cast<int64_t>(sregs.cr8);
        rest[9] = static_cast<int64_t>(sregs.efer);
        rest[10] = static_cast<int64_t>(sregs.apic_base);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_set_sregs(int64_t vcpu, const int64_t* in) {
    return guarded(__func__, [&] {
        // Start from the current state so the pending-interrupt bitmap is kept.
        kvm_sregs sregs = vcpu_of(vcpu).fd().get_sregs();
        for (int i = 0; i < kSegmentCount; ++i) unpack_segment(in + i * kSegmentSlots, *segments(sregs, i));
        const int64_t* rest = in + kSegmentCount * kSegmentSlots;
        sregs.gdt.base = static_cast<uint64_t>(rest[0]);
        sregs.gdt.limit = static_cast<uint16_t>(rest[1]);
        sregs.idt.base = static_cast<uint64_t>(rest[2]);
        sregs.idt.limit = static_cast<uint16_t>(rest[3]);
        sregs.cr0 = static_cast<uint64_t>(rest[4]);
        sregs.cr2 = static_cast<uint64_t>(rest[5]);
        sregs.cr3 = static_cast<uint64_t>(rest[6]);
        sregs.cr4 = static_cast<uint64_t>(rest[7]);
        sregs.cr8 = static_cast<uint64_t>(rest[8]);
        sregs.efer = static_cast<uint64_t>(rest[9]);
        sregs.apic_base = static_cast<uint64_t>(rest[10]);
        vcpu_of(vcpu).fd().set_sregs(sregs);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_set_io_in_result(int64_t vcpu, int64_t value) {
    return guarded(__func__, [&] {
        vcpu_of(vcpu).set_io_in_result(static_cast<uint64_t>(value));
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_set_mmio_read_result(int64_t vcpu, int64_t value) {
    return guarded(__func__, [&] {
        vcpu_of(vcpu).set_mmio_read_result(static_cast<uint64_t>(value));
        return int64_t(0);
    });
}

int64_t vmm4j_virtio_add(int64_t vm, const char* kind, int64_t notify_address, int32_t gsi, int32_t queue_max_size,
                         const char* path, const char* label, const int64_t* numbers, int32_t number_count,
                         int32_t output_key, int64_t* results, int32_t result_capacity) {
    return guarded(__func__, [&] {
        if (kind == nullptr) throw_invalid("virtio add", "no device kind");
        const std::string name = kind;
        const uint32_t line = gsi_of(name.c_str(), gsi);
        if (queue_max_size <= 0 || queue_max_size > virtio::kMaxQueueSize || (queue_max_size & (queue_max_size - 1))) {
            throw_invalid("virtio add", name + " queue maximum " + std::to_string(queue_max_size) +
                                            " is not a power of 2 up to " + std::to_string(virtio::kMaxQueueSize));
        }
        check_length("virtio add", number_count);
        check_length("virtio add", result_capacity);
        virtio::DeviceArguments arguments;
        arguments.path = path ? path : "";
        arguments.label = label ? label : "";
        arguments.numbers.assign(numbers, numbers + number_count);
        arguments.output_key = output_key;
        const virtio::DeviceFactory create = virtio::device_factory(name);
        VirtioHub& hub = machine_of(vm).virtio();
        virtio::BuiltDevice built = create(hub.context(static_cast<uint64_t>(notify_address), line), arguments);
        if (built.results.size() + 1 > static_cast<size_t>(result_capacity)) {
            throw_invalid("virtio add", name + " reports " + std::to_string(built.results.size()) +
                                            " results; the caller has room for " + std::to_string(result_capacity - 1));
        }
        results[0] = static_cast<int64_t>(built.results.size());
        std::copy(built.results.begin(), built.results.end(), results + 1);
        built.device->limit_queue_size(static_cast<uint16_t>(queue_max_size));
        return handle_of(&hub.add(std::move(built.device)));
    });
}

int64_t vmm4j_virtio_activate(int64_t device, const int64_t* queues, int32_t count, int64_t features) {
    return guarded(__func__, [&] {
        check_length("virtio activate", count);
        std::vector<virtio::QueueConfig> configs(count);
        for (int32_t i = 0; i < count; ++i) {
            const int64_t* q = queues + i * kVirtioQueueSlots;
            if (q[0] < 0 || q[0] > virtio_of(device).queue_max_size()) {
                throw_invalid("virtio activate", "queue " + std::to_string(i) + " size " + std::to_string(q[0]));
            }
            configs[i].size = static_cast<uint16_t>(q[0]);
            configs[i].descriptor_table = static_cast<uint64_t>(q[1]);
            configs[i].avail_ring = static_cast<uint64_t>(q[2]);
            configs[i].used_ring = static_cast<uint64_t>(q[3]);
        }
        virtio_of(device).activate(configs, static_cast<uint64_t>(features));
        return int64_t(0);
    });
}

int64_t vmm4j_virtio_reset(int64_t device) {
    return guarded(__func__, [&] {
        virtio_of(device).reset();
        return int64_t(0);
    });
}

int64_t vmm4j_virtio_interrupt_status(int64_t device) {
    return guarded(__func__, [&] { return int64_t(virtio_of(device).interrupt_status()); });
}

int64_t vmm4j_virtio_interrupt_ack(int64_t device, int32_t bits) {
    return guarded(__func__, [&] {
        virtio_of(device).acknowledge(static_cast<uint32_t>(bits));
        return int64_t(0);
    });
}

int64_t vmm4j_virtio_needs_reset(int64_t device) {
    return guarded(__func__, [&] { return int64_t(virtio_of(device).needs_reset() ? 1 : 0); });
}

int64_t vmm4j_virtio_failure(int64_t device, int8_t* buffer, int32_t capacity) {
    return guarded(__func__, [&] {
        check_length("virtio failure", capacity);
        const std::string text = virtio_of(device).failure();
        std::memcpy(buffer, text.data(), std::min<size_t>(text.size(), static_cast<size_t>(capacity)));
        return static_cast<int64_t>(text.size());
    });
}

int64_t vmm4j_virtio_console_input(int64_t device, const int8_t* bytes, int32_t offset, int32_t length) {
    return guarded(__func__, [&] {
        check_length("virtio-console input", length);
        check_length("virtio-console input", offset);
        auto* console = dynamic_cast<virtio::ConsoleDevice*>(&virtio_of(device));
        if (console == nullptr) throw_invalid("virtio-console input", "not a console device");
        return static_cast<int64_t>(
            console->enqueue_input(reinterpret_cast<const uint8_t*>(bytes) + offset, static_cast<size_t>(length)));
    });
}

int64_t vmm4j_virtio_save_state(int64_t device, int8_t* buffer, int32_t capacity) {
    return guarded(__func__, [&] {
        check_length("virtio state", capacity);
        return copy_state(virtio_of(device).save_state(), buffer, capacity);
    });
}

int64_t vmm4j_virtio_restore_state(int64_t device, const int8_t* state, int32_t length) {
    return guarded(__func__, [&] {
        check_length("virtio state", length);
        virtio_of(device).restore_state(reinterpret_cast<const uint8_t*>(state), static_cast<size_t>(length));
        return int64_t(0);
    });
}

int64_t vmm4j_virtio_notify(int64_t device, int32_t queue) {
    return guarded(__func__, [&] {
        if (queue < 0 || queue > 0xffff) throw_invalid("virtio notify", "queue " + std::to_string(queue));
        virtio_of(device).notify(static_cast<uint16_t>(queue));
        return int64_t(0);
    });
}

int64_t vmm4j_virtio_wait_interrupt(int64_t device, int64_t timeout_millis) {
    return guarded(__func__, [&] { return int64_t(virtio_of(device).wait_interrupt(timeout_millis) ? 1 : 0); });
}

// ---- snapshots ----

namespace {
UniqueFd open_memory_file(const char* path, int flags) {
    const int fd = ::open(path, flags | O_CLOEXEC, 0600);
    if (fd < 0) throw_errno("open", path);
    return UniqueFd(fd);
}

// Checks that a memory file covers `size` bytes, so a truncated one fails here, naming it, rather
// than as SIGBUS when the guest touches a page past its end.
void check_memory_file(const UniqueFd& fd, const char* path, uint64_t size) {
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) throw_errno("fstat", path);
    if (!S_ISREG(status.st_mode)) throw_invalid("memory file", std::string(path) + " is not a regular file");
    if (static_cast<uint64_t>(status.st_size) < size) {
        throw_invalid("memory file", std::string(path) + " ends at offset " + std::to_string(status.st_size) +
                                         ", guest memory needs " + std::to_string(size) + " bytes");
    }
}

uint64_t bitmap_words(const GuestMemory& memory) {
    uint64_t words = 0;
    for (uint32_t i = 0; i < memory.region_count(); ++i) words += memory.region_bitmap_words(i);
    return words;
}

void check_bitmap(const GuestMemory& memory, int32_t words) {
    if (words < 0 || static_cast<uint64_t>(words) != bitmap_words(memory)) {
        throw_invalid("page bitmap",
                      std::to_string(words) + " words, guest memory needs " + std::to_string(bitmap_words(memory)));
    }
}

}  // namespace

int64_t vmm4j_vm_add_memory_file(int64_t vm, int64_t guest_address, int64_t size, const char* path,
                                 int64_t file_offset) {
    return guarded(__func__, [&] {
        if (size < 0 || file_offset < 0) throw_invalid("memory file", "negative size or offset");
        UniqueFd fd = open_memory_file(path, O_RDONLY);
        check_memory_file(fd, path, static_cast<uint64_t>(file_offset) + static_cast<uint64_t>(size));
        return int64_t(machine_of(vm).memory().add_file_region(guest_address, size, fd.get(), file_offset));
    });
}

int64_t vmm4j_memory_bitmap_words(int64_t vm) {
    return guarded(__func__, [&] { return int64_t(bitmap_words(machine_of(vm).memory())); });
}

int64_t vmm4j_memory_save(int64_t vm, const char* path, int32_t diff, int64_t* pages, int32_t words) {
    return guarded(__func__, [&] {
        GuestMemory& memory = machine_of(vm).memory();
        if (diff != 0) {
            check_bitmap(memory, words);
            if (!memory.dirty_logging(DirtyReader::Snapshot)) {
                throw CoreError(ErrorKind::State, "diff snapshot",
                                "no full snapshot of this VM to diff against (dirty tracking is off)");
            }
        }
        UniqueFd fd = open_memory_file(path, O_WRONLY | O_CREAT | O_TRUNC);
        if (::ftruncate(fd.get(), static_cast<off_t>(memory.total_size())) != 0) throw_errno("ftruncate", path);
        uint64_t written = 0, file_offset = 0, word = 0;
        if (diff == 0) {
            // Tracking restarts now, so the next diff holds exactly what changes after this save; a user's
            // own tracking (DirtyReader::User) is left as it is.
            memory.set_dirty_logging(DirtyReader::Snapshot, true);
        }
        for (uint32_t i = 0; i < memory.region_count(); ++i) {
            uint64_t* region_pages = nullptr;
            if (diff != 0) {
                region_pages = reinterpret_cast<uint64_t*>(pages) + word;
                memory.get_and_clear_dirty_log(DirtyReader::Snapshot, i, region_pages, memory.region_bitmap_words(i));
                word += memory.region_bitmap_words(i);
            }
            written += memory.save_region(i, fd.get(), file_offset, region_pages);
            file_offset += memory.region_size(i);
        }
        return static_cast<int64_t>(written);
    });
}

int64_t vmm4j_memory_overlay(int64_t vm, const char* path, const int64_t* pages, int32_t words) {
    return guarded(__func__, [&] {
        GuestMemory& memory = machine_of(vm).memory();
        check_bitmap(memory, words);
        UniqueFd fd = open_memory_file(path, O_RDONLY);
        check_memory_file(fd, path, memory.total_size());
        uint64_t file_offset = 0, word = 0;
        for (uint32_t i = 0; i < memory.region_count(); ++i) {
            memory.overlay_region(i, fd.get(), file_offset, reinterpret_cast<const uint64_t*>(pages) + word);
            word += memory.region_bitmap_words(i);
            file_offset += memory.region_size(i);
        }
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_save_state(int64_t vm, int64_t vcpu, int8_t* buffer, int32_t capacity) {
    return guarded(__func__,
                   [&] { return copy_state(snapshot::save_vcpu(machine_of(vm), vcpu_of(vcpu)), buffer, capacity); });
}

int64_t vmm4j_vcpu_restore_state(int64_t vm, int64_t vcpu, const int8_t* buffer, int32_t length) {
    return guarded(__func__, [&] {
        check_length("vCPU state", length);
        snapshot::restore_vcpu(machine_of(vm), vcpu_of(vcpu), reinterpret_cast<const uint8_t*>(buffer),
                               static_cast<size_t>(length));
        return int64_t(0);
    });
}

int64_t vmm4j_vm_save_state(int64_t vm, int8_t* buffer, int32_t capacity) {
    return guarded(__func__, [&] { return copy_state(snapshot::save_vm(machine_of(vm)), buffer, capacity); });
}

int64_t vmm4j_vm_restore_state(int64_t vm, const int8_t* buffer, int32_t length, int32_t advance_clock) {
    return guarded(__func__, [&] {
        check_length("VM state", length);
        snapshot::restore_vm(machine_of(vm), reinterpret_cast<const uint8_t*>(buffer), static_cast<size_t>(length),
                             advance_clock != 0);
        return int64_t(0);
    });
}

int64_t vmm4j_vcpu_kvmclock_ctrl(int64_t vcpu) {
    return guarded(__func__, [&] { return int64_t(vcpu_of(vcpu).fd().kvmclock_ctrl() ? 1 : 0); });
}
