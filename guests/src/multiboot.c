/*
 * multiboot: a Multiboot v1 test kernel for vmm4j's QEMU front end (and for QEMU itself).
 * Checks the loader's magic and information (memory, memory map, command line, first module),
 * reads fw_cfg, starts every AP with INIT/SIPI vector 0 from a trampoline copied to page 0, exercises
 * pc-testdev when present, tells whether the PIT answers, prints what it found on COM1 and exits
 * through isa-debug-exit (port 0xf4): 0x21 when every check passed (exit status 67), else 0x40 + the
 * number of failed checks.
 * When module 0 is an environment file (NAME=VALUE lines, as kvm-unit-tests' harness passes with
 * -initrd) it reports as a kvm-unit-tests test does instead: a PASS: or FAIL: line per check, a
 * SUMMARY: line, and exit code 0 (status 1) when all passed, else 1 (status 3).
 */
#include <stdint.h>

#include "clock.h"
#include "io.h"
#include "lapic.h"
#include "uart.h"

#define MB_BOOTLOADER_MAGIC 0x2BADB002u
#define MB_INFO_MEMORY      (1u << 0)
#define MB_INFO_CMDLINE     (1u << 2)
#define MB_INFO_MODS        (1u << 3)
#define MB_INFO_MMAP        (1u << 6)
#define FW_CFG_SELECTOR     0x510
#define FW_CFG_DATA         0x511
#define FW_CFG_SIGNATURE    0x00
#define FW_CFG_RAM_SIZE     0x03
#define FW_CFG_NB_CPUS      0x05
#define MMIO_GAP_START      0xC0000000ull /* where QEMU's pc and vmm4j stop low RAM */
#define DEBUG_EXIT_PORT     0xf4
#define EXIT_PASS           0x21u
#define EXIT_FAIL_BASE      0x40u
#define MAX_CPUS            64
#define AP_TIMEOUT_MS       10000 /* APs report in milliseconds on hardware, far later when emulated */
#define TESTDEV_IOPORT      0xe0
#define TESTDEV_FLUSH       0xe4
#define TESTDEV_BYTE        0xe8
#define TESTDEV_IRQ         0x2000
#define TESTDEV_IOMEM       0xFF000000u

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};

struct mb_module {
    uint32_t start, end, string, reserved;
};

struct mb_mmap {
    uint32_t size;
    uint32_t addr_low, addr_high, len_low, len_high;
    uint32_t type;
} __attribute__((packed));

extern char ap_trampoline[], ap_trampoline_end[];
static volatile uint32_t reported[MAX_CPUS];
static uint32_t failures, tests;
static int harness_mode; /* module 0 is a kvm-unit-tests environment file */

void ap_main(uint32_t apic_id) {
    if (apic_id < MAX_CPUS) reported[apic_id] = 1;
}

static void check(int ok, const char* what) {
    tests++;
    if (!ok) failures++;
    if (!ok || harness_mode) {
        uart_puts(ok ? "PASS: " : "FAIL: ");
        uart_puts(what);
        uart_putc('\n');
    }
}

/* Whether text of len bytes is NAME=VALUE lines, NAME being [A-Za-z_][A-Za-z0-9_]*; returns the line count. */
static uint32_t environment_lines(const char* text, uint32_t len) {
    uint32_t lines = 0, at = 0;
    while (at < len) {
        uint32_t name = 0;
        for (; at < len && text[at] != '=' && text[at] != '\n'; at++, name++) {
            char c = text[at];
            int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
            if (!alpha && !(name > 0 && c >= '0' && c <= '9')) return 0;
        }
        if (name == 0 || at >= len || text[at] != '=') return 0;
        while (at < len && text[at] != '\n') at++;
        at++;
        lines++;
    }
    return lines;
}

/* CPUID leaf/subleaf into r[0..3] = eax, ebx, ecx, edx. */
static void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]) {
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(subleaf));
}

/* The feature registers a -cpu model decides: CPUID 0x1 ECX/EDX, 0x7.0 EBX/ECX, 0x8000_0001 ECX/EDX. */
static void print_cpu_features(void) {
    uint32_t r[4];
    uart_puts("cpuid:");
    cpuid(1, 0, r);
    uart_puts(" 1.ecx=");
    uart_put_hex32(r[2]);
    uart_puts(" 1.edx=");
    uart_put_hex32(r[3]);
    cpuid(7, 0, r);
    uart_puts(" 7.ebx=");
    uart_put_hex32(r[1]);
    uart_puts(" 7.ecx=");
    uart_put_hex32(r[2]);
    cpuid(0x80000001u, 0, r);
    uart_puts(" 80000001.ecx=");
    uart_put_hex32(r[2]);
    uart_puts(" 80000001.edx=");
    uart_put_hex32(r[3]);
    uart_putc('\n');
}

static uint64_t fw_cfg_read(uint16_t key, int bytes) {
    uint64_t value = 0;
    outw(FW_CFG_SELECTOR, key);
    for (int i = 0; i < bytes; i++) value |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
    return value;
}

static int starts_with(const char* s, const char* prefix) {
    while (*prefix) {
        if (*s++ != *prefix++) return 0;
    }
    return 1;
}

/* Copies the AP trampoline to page 0 and starts every AP at SIPI vector 0; returns how many reported. */
static uint32_t start_aps(uint32_t cpus) {
    uintptr_t zero = 0;
    __asm__("" : "+r"(zero)); /* page 0 is RAM here: keep the compiler from treating it as NULL */
    volatile char* page0 = (volatile char*)zero;
    for (char* p = ap_trampoline; p < ap_trampoline_end; p++) *page0++ = *p;
    lapic_enable(0xFF);
    lapic_start_other_cpus(0);
    uint32_t bsp = lapic_id();
    uint64_t deadline = clock_deadline_ms(AP_TIMEOUT_MS);
    uint32_t seen;
    for (;;) {
        seen = 0;
        for (uint32_t id = 0; id < cpus && id < MAX_CPUS; id++) {
            if (id != bsp && reported[id]) seen++;
        }
        if (seen == cpus - 1 || clock_passed(deadline)) break;
    }
    uart_puts("smp: bsp=");
    uart_put_dec(bsp);
    uart_puts(" aps=");
    const char* separator = "";
    for (uint32_t id = 0; id < MAX_CPUS; id++) {
        if (id != bsp && reported[id]) {
            uart_puts(separator);
            uart_put_dec(id);
            separator = ",";
        }
    }
    uart_putc('\n');
    if (seen != cpus - 1) {
        uart_puts("smp: not every AP reported within ");
        uart_put_dec(AP_TIMEOUT_MS);
        uart_puts(" ms\n");
    }
    return seen;
}

static void test_pc_testdev(void) {
    outl(TESTDEV_IOPORT, 0x12345678u);
    if (inl(TESTDEV_IOPORT) != 0x12345678u) {
        uart_puts("pc-testdev: absent\n");
        return;
    }
    /* String I/O: two dwords out (the last one stays), two dwords in. */
    static uint32_t out[2] = {0x11111111u, 0xCAFEF00Du};
    static uint32_t in[2];
    const void* src = out;
    void* dst = in;
    uint32_t count = 2;
    __asm__ volatile("cld; rep outsl" : "+S"(src), "+c"(count) : "d"(TESTDEV_IOPORT) : "memory");
    count = 2;
    __asm__ volatile("cld; rep insl" : "+D"(dst), "+c"(count) : "d"(TESTDEV_IOPORT) : "memory");
    check(in[0] == 0xCAFEF00Du && in[1] == 0xCAFEF00Du, "pc-testdev rep outsl/insl");
    outb(TESTDEV_BYTE + 1, 0x5A);
    check(inl(TESTDEV_IOPORT) == 0xCAFE5A0Du, "pc-testdev byte port");
    outl(TESTDEV_FLUSH, 0x1000);
    outb(TESTDEV_IRQ + 10, 1);
    outb(TESTDEV_IRQ + 10, 0);
    mmio_write32(TESTDEV_IOMEM + 0x10, 0xA5A5F00Du);
    check(mmio_read32(TESTDEV_IOMEM + 0x10) == 0xA5A5F00Du, "pc-testdev iomem");
    uart_puts("pc-testdev: scratch=");
    uart_put_hex32(inl(TESTDEV_IOPORT));
    uart_putc('\n');
}

void mb_main(uint32_t magic, const struct mb_info* info) {
    uart_puts("multiboot: magic=");
    uart_put_hex32(magic);
    uart_putc('\n');
    if (magic != MB_BOOTLOADER_MAGIC) {
        uart_puts("FAIL: bad magic\n");
        outl(DEBUG_EXIT_PORT, EXIT_FAIL_BASE + 1);
        halt_forever();
    }
    uint32_t need = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP;
    uint32_t environ_lines = 0;
    if ((info->flags & MB_INFO_MODS) && info->mods_count >= 1) {
        const struct mb_module* mod = (const struct mb_module*)info->mods_addr;
        environ_lines = environment_lines((const char*)mod->start, mod->end - mod->start);
        harness_mode = environ_lines > 0;
    }
    check((info->flags & need) == need, "info flags");

    char signature[5] = {0};
    uint64_t sig = fw_cfg_read(FW_CFG_SIGNATURE, 4);
    for (int i = 0; i < 4; i++) signature[i] = (char)(sig >> (8 * i));
    uint64_t ram = fw_cfg_read(FW_CFG_RAM_SIZE, 8);
    uint32_t cpus = (uint32_t)fw_cfg_read(FW_CFG_NB_CPUS, 2);
    uart_puts("fw_cfg: signature=");
    uart_puts(signature);
    uart_puts(" ram=");
    uart_put_dec64(ram);
    uart_puts(" cpus=");
    uart_put_dec(cpus);
    uart_putc('\n');
    check(starts_with(signature, "QEMU"), "fw_cfg signature");
    print_cpu_features();

    uart_puts("multiboot: mem_lower=");
    uart_put_dec(info->mem_lower);
    uart_puts(" mem_upper=");
    uart_put_dec(info->mem_upper);
    uart_putc('\n');
    check(info->mem_lower >= 600 && info->mem_lower <= 640, "mem_lower");
    /* Firmware may keep up to 1 MiB at the top of RAM (SeaBIOS under QEMU does); vmm4j keeps none. */
    /* mem_upper ends at the first hole: the MMIO gap below 4 GiB when RAM is larger than what fits. */
    uint64_t low_ram = ram < MMIO_GAP_START ? ram : MMIO_GAP_START;
    uint64_t upper_end = ((uint64_t)info->mem_upper << 10) + 0x100000;
    check(upper_end <= low_ram && upper_end + 0x100000 >= low_ram, "mem_upper matches fw_cfg RAM size");

    uint32_t entries = 0, page0_ram = 0;
    uint64_t ram_bytes = 0, ram_top = 0;
    for (uint32_t at = info->mmap_addr; at < info->mmap_addr + info->mmap_length;) {
        const struct mb_mmap* e = (const struct mb_mmap*)at;
        uint64_t addr = ((uint64_t)e->addr_high << 32) | e->addr_low;
        uint64_t len = ((uint64_t)e->len_high << 32) | e->len_low;
        if (e->type == 1) {
            ram_bytes += len;
            if (addr + len > ram_top) ram_top = addr + len;
            if (addr == 0) page0_ram = 1;
        }
        entries++;
        at += e->size + 4;
    }
    uart_puts("multiboot: mmap entries=");
    uart_put_dec(entries);
    uart_puts(" ram_top=");
    uart_put_hex64(ram_top);
    uart_putc('\n');
    /* All RAM, less the reserved BIOS area below 1 MiB and up to 1 MiB firmware may keep at the top. */
    check(entries >= 2 && ram_bytes <= ram && ram_bytes + 0x200000 >= ram && ram_top + 0x100000 >= low_ram && page0_ram,
          "memory map");

    const char* cmdline = (const char*)info->cmdline;
    uart_puts("multiboot: cmdline=");
    uart_puts(cmdline);
    uart_putc('\n');
    check(cmdline[0] != 0, "command line");

    /* The whole line first: in harness mode every check prints a line of its own. */
    const struct mb_module* mod = info->mods_count >= 1 ? (const struct mb_module*)info->mods_addr : 0;
    const char* data = mod ? (const char*)mod->start : 0;
    uart_puts("multiboot: mods=");
    uart_put_dec(info->mods_count);
    if (mod) {
        uart_puts(" mod0=");
        uart_puts((const char*)mod->string);
        uart_puts(" size=");
        uart_put_dec(mod->end - mod->start);
        uart_puts(" data=");
        for (uint32_t i = 0; i < mod->end - mod->start && i < 40 && data[i] != '\n'; i++) uart_putc(data[i]);
    }
    uart_putc('\n');
    if (harness_mode) {
        uart_puts("multiboot: environ lines=");
        uart_put_dec(environ_lines);
        uart_putc('\n');
    }
    check(mod != 0, "at least one module");
    if (mod) {
        check((mod->start & 0xfff) == 0, "module page aligned");
        if (!harness_mode) check(mod->end - mod->start >= 12 && starts_with(data, "vmm4j-module"), "module contents");
    }

    const char* clock = clock_source(); /* first: it prints a line of its own when there is none */
    uart_puts("multiboot: clock=");
    uart_puts(clock);
    uart_putc('\n');

    uint32_t aps = cpus > 1 ? start_aps(cpus <= MAX_CPUS ? cpus : MAX_CPUS) : 0;
    check(aps + 1 == cpus, "every AP reported");

    test_pc_testdev();
    uart_puts(pit_start() ? "pit: present\n" : "pit: absent\n");

    if (harness_mode) {
        /* kvm-unit-tests' report_summary() and exit(): the harness reads the last lines and the status. */
        uart_puts("SUMMARY: ");
        uart_put_dec(tests);
        uart_puts(" tests");
        if (failures) {
            uart_puts(", ");
            uart_put_dec(failures);
            uart_puts(" unexpected failures");
        }
        uart_putc('\n');
        outl(DEBUG_EXIT_PORT, failures ? 1 : 0);
    } else if (failures == 0) {
        uart_puts("multiboot: PASS\n");
        outl(DEBUG_EXIT_PORT, EXIT_PASS);
    } else {
        uart_puts("multiboot: FAIL ");
        uart_put_dec(failures);
        uart_putc('\n');
        outl(DEBUG_EXIT_PORT, EXIT_FAIL_BASE + failures);
    }
    halt_forever();
}
