// The raw C baseline the vmm4j benchmarks compare against: the least a VMM can do with
// /dev/kvm. No classes, no device bus, no Java: open, create, one memory slot, one vCPU, and a
// plain KVM_RUN loop that treats every port/MMIO exit as handled and re-enters until HLT.
//
// Header-only; bound by io.vmm4j.benchmarks.baseline.RawKvm through JavaCPP, which compiles it
// into libjniRawKvm.so. Every function takes and returns primitives only (one JNI downcall per
// batch of exits, per VM lifecycle). Errors are returned as negative numbers:
//   -errno                        a system call failed
//   RAW_KVM_UNEXPECTED_EXIT - r   KVM_RUN returned exit reason r that the loop does not expect
//
// The guest set-up mirrors io.vmm4j.arch.x86.FlatBinaryBoot: image at GPA 0x10000, 32-bit flat
// protected mode (CS 0x08 code, data 0x10, base 0, limit 4 GiB), busy TSS and LDT descriptors
// present, CR0 = PE|ET, CR3 = CR4 = EFER = 0, RFLAGS = 0x2.
#pragma once

// <linux/kvm.h> in C++: make __DECLARE_FLEX_ARRAY a plain zero-length array (as cpp/kvm/linux_kvm.h
// does), so the flex-array structs keep their C layout and ioctl numbers. Nothing here uses them,
// but the header must not differ from the C one.
#include <linux/stddef.h>
#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]
#include <linux/kvm.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

// Exit kinds for raw_exit_context_create; the guest to load is the matching loop guest.
#define RAW_KVM_PIO_OUT 0     // pio-loop:       outb %al,(%dx)
#define RAW_KVM_PIO_IN 1      // pio-in-loop:    inb (%dx),%al
#define RAW_KVM_MMIO_WRITE 2  // mmio-loop:      movl %eax,(%edx)
#define RAW_KVM_MMIO_READ 3   // mmio-read-loop: movl (%edx),%eax

#define RAW_KVM_UNEXPECTED_EXIT (-100000)
#define RAW_KVM_LOAD_ADDRESS 0x10000ULL

namespace raw_kvm_detail {

struct Context {
    int vm = -1;
    int vcpu = -1;
    kvm_run* run = nullptr;
    size_t run_size = 0;
    void* memory = MAP_FAILED;
    size_t memory_size = 0;
    int kind = 0;
    uint64_t target = 0;  // the port or MMIO address the guest accesses
};

inline int64_t fail() { return -static_cast<int64_t>(errno != 0 ? errno : EIO); }

inline void destroy(Context& c) {
    if (c.run != nullptr) munmap(c.run, c.run_size);
    if (c.vcpu >= 0) close(c.vcpu);
    if (c.vm >= 0) close(c.vm);
    if (c.memory != MAP_FAILED) munmap(c.memory, c.memory_size);
    c = Context{};
}

inline void flat_segment(kvm_segment& s, uint16_t selector, uint8_t type) {
    s.base = 0;
    s.limit = 0xffffffff;
    s.selector = selector;
    s.type = type;
    s.present = 1;
    s.dpl = 0;
    s.db = 1;
    s.s = 1;
    s.l = 0;
    s.g = 1;
    s.avl = 0;
    s.unusable = 0;
}

inline void system_segment(kvm_segment& s, uint8_t type) {
    std::memset(&s, 0, sizeof s);
    s.limit = 0xffff;
    s.type = type;
    s.present = 1;
}

// VM + one RAM slot at GPA 0 + image at 0x10000 + vCPU 0 in flat protected mode. 0 or -errno.
inline int64_t build(Context& c, int kvm, const int8_t* image, int32_t length, int64_t memory_size) {
    if (length < 0 || static_cast<uint64_t>(length) + RAW_KVM_LOAD_ADDRESS > static_cast<uint64_t>(memory_size)) {
        return -EINVAL;
    }
    const int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < 0) return fail();
    c.vm = ioctl(kvm, KVM_CREATE_VM, 0UL);
    if (c.vm < 0) return fail();

    c.memory_size = static_cast<size_t>(memory_size);
    c.memory = mmap(nullptr, c.memory_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (c.memory == MAP_FAILED) return fail();
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.guest_phys_addr = 0;
    region.memory_size = c.memory_size;
    region.userspace_addr = reinterpret_cast<uint64_t>(c.memory);
    if (ioctl(c.vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return fail();
    std::memcpy(static_cast<uint8_t*>(c.memory) + RAW_KVM_LOAD_ADDRESS, image, static_cast<size_t>(length));

    c.vcpu = ioctl(c.vm, KVM_CREATE_VCPU, 0UL);
    if (c.vcpu < 0) return fail();
    c.run_size = static_cast<size_t>(run_size);
    void* run = mmap(nullptr, c.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, c.vcpu, 0);
    if (run == MAP_FAILED) return fail();
    c.run = static_cast<kvm_run*>(run);

    kvm_sregs sregs{};
    if (ioctl(c.vcpu, KVM_GET_SREGS, &sregs) < 0) return fail();
    flat_segment(sregs.cs, 0x08, 0xb);
    flat_segment(sregs.ds, 0x10, 0x3);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    system_segment(sregs.tr, 0xb);
    system_segment(sregs.ldt, 0x2);
    sregs.cr0 = 0x11;  // PE | ET
    sregs.cr3 = 0;
    sregs.cr4 = 0;
    sregs.efer = 0;
    if (ioctl(c.vcpu, KVM_SET_SREGS, &sregs) < 0) return fail();
    return 0;
}

// Puts the loop guest at its entry with ECX = count, EDX = target, EAX = value.
inline int64_t set_batch_registers(const Context& c, uint64_t count, uint64_t target, uint64_t value) {
    kvm_regs regs{};
    regs.rip = RAW_KVM_LOAD_ADDRESS;
    regs.rflags = 0x2;
    regs.rcx = count;
    regs.rdx = target;
    regs.rax = value;
    return ioctl(c.vcpu, KVM_SET_REGS, &regs) < 0 ? fail() : 0;
}

// KVM_RUN until HLT; every port or MMIO exit is "handled" (writes ignored, reads return 0) and
// re-entered. Returns the number of port/MMIO exits seen, or a negative error.
inline int64_t run_to_halt(const Context& c) {
    int64_t exits = 0;
    kvm_run* run = c.run;
    for (;;) {
        if (ioctl(c.vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return fail();
        }
        switch (run->exit_reason) {
            case KVM_EXIT_IO:
                if (run->io.direction == KVM_EXIT_IO_IN) {
                    std::memset(reinterpret_cast<uint8_t*>(run) + run->io.data_offset, 0,
                                static_cast<size_t>(run->io.size) * run->io.count);
                }
                ++exits;
                break;
            case KVM_EXIT_MMIO:
                if (!run->mmio.is_write) std::memset(run->mmio.data, 0, sizeof run->mmio.data);
                ++exits;
                break;
            case KVM_EXIT_HLT:
                return exits;
            case KVM_EXIT_INTR:
                break;
            default:
                return RAW_KVM_UNEXPECTED_EXIT - static_cast<int64_t>(run->exit_reason);
        }
    }
}

}  // namespace raw_kvm_detail

// Opens /dev/kvm (or `path`); returns the fd or -errno.
inline int64_t raw_kvm_open(const char* path) {
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return raw_kvm_detail::fail();
    if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        close(fd);
        return -ENOTSUP;
    }
    return fd;
}

inline void raw_kvm_close(int32_t fd) {
    if (fd >= 0) close(fd);
}

// A VM with `memory_size` bytes of RAM running the loop guest `image`, which accesses `target`
// (a port or an MMIO address outside RAM) in the way `kind` names. Returns a context handle, or
// -errno.
inline int64_t raw_exit_context_create(int32_t kvm, const int8_t* image, int32_t length, int32_t kind,
                                       int64_t target, int64_t memory_size) {
    if (kind < RAW_KVM_PIO_OUT || kind > RAW_KVM_MMIO_READ) return -EINVAL;
    auto* c = new (std::nothrow) raw_kvm_detail::Context();
    if (c == nullptr) return -ENOMEM;
    const int64_t built = raw_kvm_detail::build(*c, kvm, image, length, memory_size);
    if (built < 0) {
        raw_kvm_detail::destroy(*c);
        delete c;
        return built;
    }
    c->kind = kind;
    c->target = static_cast<uint64_t>(target);
    return reinterpret_cast<int64_t>(c);
}

// One batch: resets the registers (RIP = 0x10000, ECX = exits) and runs the guest to HLT.
// Returns the number of port/MMIO exits handled (= `exits` when all is well), or a negative error.
inline int64_t raw_run_exits(int64_t context, int32_t exits) {
    auto* c = reinterpret_cast<raw_kvm_detail::Context*>(context);
    const int64_t set = raw_kvm_detail::set_batch_registers(*c, static_cast<uint32_t>(exits), c->target, 0x5a);
    if (set < 0) return set;
    return raw_kvm_detail::run_to_halt(*c);
}

inline void raw_exit_context_destroy(int64_t context) {
    auto* c = reinterpret_cast<raw_kvm_detail::Context*>(context);
    if (c == nullptr) return;
    raw_kvm_detail::destroy(*c);
    delete c;
}

// One whole VM lifecycle: create the VM, a `memory_size` RAM slot and vCPU 0, load `image` (the
// pio-loop guest), run it for `exits` port writes to `port` and on to HLT, then close everything.
// Returns the number of port/MMIO exits seen, or a negative error.
inline int64_t raw_lifecycle_once(int32_t kvm, const int8_t* image, int32_t length, int64_t memory_size,
                                  int32_t port, int32_t exits) {
    raw_kvm_detail::Context c;
    int64_t result = raw_kvm_detail::build(c, kvm, image, length, memory_size);
    if (result == 0) result = raw_kvm_detail::set_batch_registers(c, static_cast<uint32_t>(exits), static_cast<uint16_t>(port), 0x5a);
    if (result == 0) result = raw_kvm_detail::run_to_halt(c);
    raw_kvm_detail::destroy(c);
    return result;
}
