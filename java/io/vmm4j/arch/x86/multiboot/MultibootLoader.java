package io.vmm4j.arch.x86.multiboot;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.x86.Register;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.arch.x86.FlatBinaryBoot;
import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.MemoryLayout;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a Multiboot v1 kernel as QEMU's {@code -kernel} does: the 32-bit ELF segments at their physical
 * addresses, or the a.out-kludge addresses when the header's flag 16 is set; then the modules, each on
 * a page of its own after the kernel; then the Multiboot information (flags, mem_lower/mem_upper, the
 * memory map, the command line, the modules and the boot loader name) after the modules. Every write
 * is checked against the RAM of the VM's {@link E820Map} before anything is written.
 *
 * <p>{@link #enter} puts a vCPU in 32-bit flat protected mode with paging off, EAX = 0x2BADB002 and EBX
 * = the information's address.
 */
public final class MultibootLoader {
    public static final String BOOT_LOADER_NAME = "vmm4j";
    static final int INFO_MEMORY = 1;
    static final int INFO_CMDLINE = 1 << 2;
    static final int INFO_MODULES = 1 << 3;
    static final int INFO_MEMORY_MAP = 1 << 6;
    static final int INFO_BOOT_LOADER_NAME = 1 << 9;
    /** The fixed part of the information structure, with room for the VBE and framebuffer fields. */
    static final int INFO_SIZE = 0x80;

    static final int MODULE_ENTRY_SIZE = 16;
    static final int MMAP_ENTRY_SIZE = 24;
    private static final long PAGE = 4096;
    private static final int ELF_HEADER_SIZE = 52;
    private static final int ELF_PHDR_SIZE = 32;
    private static final int ELFCLASS32 = 1;
    private static final int ELFCLASS64 = 2;
    private static final int ELFDATA2LSB = 1;
    private static final int EM_386 = 3;
    private static final int PT_LOAD = 1;

    /** What was loaded and where the vCPU must start. */
    public record Loaded(
            long entryPoint, long infoAddress, long kernelStart, long kernelEnd, List<Long> moduleAddresses) {
        public Loaded {
            moduleAddresses = List.copyOf(moduleAddresses);
        }
    }

    /** A range of the kernel to write: {@code fileBytes} of the image from {@code fileOffset}, then zeros. */
    private record Segment(long address, int fileOffset, int fileBytes, long memoryBytes, int headerOffset) {
        long end() {
            return address + memoryBytes;
        }
    }

    private MultibootLoader() {}

    /** Whether {@code image} carries a Multiboot magic (a valid header or a malformed one). */
    public static boolean isMultiboot(byte[] image) {
        return MultibootHeader.hasMagic(image);
    }

    /**
     * Checks and places {@code kernel} (named {@code file} in messages), its modules and the
     * information in the RAM of {@code map}, without writing anything: a malformed image is
     * refused before any VM exists.
     *
     * @param commandLine the kernel's command line; QEMU makes it the kernel's path, a space and
     *     {@code -append}
     * @throws KernelLoadException for a malformed or unsupported image, or one that does not fit
     *     the VM's RAM
     */
    public static Prepared prepare(
            E820Map map, String file, byte[] kernel, String commandLine, List<MultibootModule> modules) {
        MultibootHeader header = MultibootHeader.find(file, kernel)
                .orElseThrow(() -> KernelLoadException.whole(
                        file, "no multiboot header in the first " + MultibootHeader.SEARCH_LIMIT + " bytes", null));
        List<Segment> segments = new ArrayList<>();
        long entry = header.hasAoutKludge()
                ? aoutSegments(file, kernel, header, segments)
                : elfSegments(file, kernel, segments);
        if (segments.isEmpty()) throw new KernelLoadException(file, header.offset(), "nothing to load");
        long kernelStart = Long.MAX_VALUE;
        long kernelEnd = 0;
        for (Segment segment : segments) {
            if (!map.isRam(segment.address(), segment.memoryBytes())) {
                throw new KernelLoadException(
                        file,
                        segment.headerOffset(),
                        String.format(
                                "segment [0x%x, 0x%x) does not lie in the VM's RAM (%s)",
                                segment.address(), segment.end(), ramDescription(map)));
            }
            kernelStart = Math.min(kernelStart, segment.address());
            kernelEnd = Math.max(kernelEnd, segment.end());
        }
        if (entry < kernelStart || entry >= kernelEnd) {
            throw new KernelLoadException(
                    file,
                    header.offset(),
                    String.format(
                            "entry point 0x%x lies outside the loaded kernel [0x%x, 0x%x)",
                            entry, kernelStart, kernelEnd));
        }

        // Modules after the kernel, page aligned; then the information after the modules.
        List<Long> moduleAddresses = new ArrayList<>();
        long next = Math.max(pageAlign(kernelEnd), MemoryLayout.HIGH_MEMORY_START);
        for (MultibootModule module : modules) {
            requireRam(map, file, next, module.contents().length, "module '" + module.commandLine() + "'");
            moduleAddresses.add(next);
            next = pageAlign(next + module.contents().length);
        }
        long infoAddress = next;
        byte[] info = buildInfo(infoAddress, map, commandLine, modules, moduleAddresses);
        requireRam(map, file, infoAddress, info.length, "the multiboot information");
        return new Prepared(
                kernel,
                List.copyOf(segments),
                List.copyOf(modules),
                info,
                new Loaded(entry, infoAddress, kernelStart, kernelEnd, moduleAddresses));
    }

    /** {@link #prepare} and {@link Prepared#load}, in one step. */
    public static Loaded load(
            GuestMemory memory,
            E820Map map,
            String file,
            byte[] kernel,
            String commandLine,
            List<MultibootModule> modules) {
        return prepare(map, file, kernel, commandLine, modules).load(memory);
    }

    /** A kernel checked and placed by {@link #prepare}: everything fits, nothing is written yet. */
    public static final class Prepared {
        private final byte[] kernel;
        private final List<Segment> segments;
        private final List<MultibootModule> modules;
        private final byte[] info;
        private final Loaded loaded;

        private Prepared(
                byte[] kernel, List<Segment> segments, List<MultibootModule> modules, byte[] info, Loaded loaded) {
            this.kernel = kernel;
            this.segments = segments;
            this.modules = modules;
            this.info = info;
            this.loaded = loaded;
        }

        /** Writes the kernel, modules and information into {@code memory}, whose RAM is the map's. */
        public Loaded load(GuestMemory memory) {
            for (Segment segment : segments) {
                memory.write(segment.address(), kernel, segment.fileOffset(), segment.fileBytes());
                long zeros = segment.memoryBytes() - segment.fileBytes();
                if (zeros > 0) writeZeros(memory, segment.address() + segment.fileBytes(), zeros);
            }
            for (int i = 0; i < modules.size(); i++)
                memory.write(loaded.moduleAddresses().get(i), modules.get(i).contents());
            memory.write(loaded.infoAddress(), info);
            return loaded;
        }
    }

    /** 32-bit flat protected mode, paging off, EIP at the entry, EAX = 0x2BADB002, EBX = the information. */
    public static void enter(Vcpu vcpu, Loaded kernel) {
        FlatBinaryBoot.enterProtectedMode(vcpu, kernel.entryPoint());
        vcpu.setRegisters(vcpu.registers()
                .with(Register.RAX, Integer.toUnsignedLong(MultibootHeader.BOOTLOADER_MAGIC))
                .with(Register.RBX, kernel.infoAddress()));
    }

    private static long aoutSegments(String file, byte[] kernel, MultibootHeader header, List<Segment> segments) {
        int at = header.offset();
        long load = header.loadAddress();
        if (load > header.headerAddress()) {
            throw new KernelLoadException(
                    file,
                    at + 16,
                    String.format(
                            "a.out kludge: load_addr 0x%x lies above header_addr 0x%x", load, header.headerAddress()));
        }
        long fileStart = at - (header.headerAddress() - load);
        if (fileStart < 0) {
            throw new KernelLoadException(
                    file,
                    at + 12,
                    String.format(
                            "a.out kludge: header_addr 0x%x - load_addr 0x%x reaches before the start of the file",
                            header.headerAddress(), load));
        }
        long loadEnd = header.loadEndAddress() == 0 ? load + (kernel.length - fileStart) : header.loadEndAddress();
        if (loadEnd < load || fileStart + (loadEnd - load) > kernel.length) {
            throw new KernelLoadException(
                    file,
                    at + 20,
                    String.format(
                            "a.out kludge: load_end_addr 0x%x is before load_addr or past the end of the %d-byte file",
                            header.loadEndAddress(), kernel.length));
        }
        long bssEnd = header.bssEndAddress() == 0 ? loadEnd : header.bssEndAddress();
        if (bssEnd < loadEnd) {
            throw new KernelLoadException(
                    file,
                    at + 24,
                    String.format("a.out kludge: bss_end_addr 0x%x lies before load_end_addr 0x%x", bssEnd, loadEnd));
        }
        segments.add(new Segment(load, (int) fileStart, (int) (loadEnd - load), bssEnd - load, at));
        return header.entryAddress();
    }

    private static long elfSegments(String file, byte[] kernel, List<Segment> segments) {
        ByteBuffer data = ByteBuffer.wrap(kernel).order(ByteOrder.LITTLE_ENDIAN);
        if (kernel.length < ELF_HEADER_SIZE || data.getInt(0) != 0x464c457f) {
            throw new KernelLoadException(
                    file, 0, "not an ELF file, and the multiboot header has no a.out kludge (flag 16) addresses");
        }
        if (kernel[4] == ELFCLASS64) {
            throw new KernelLoadException(
                    file, 4, "64-bit ELF: multiboot loads 32-bit ELF kernels (convert with objcopy -O elf32-i386)");
        }
        if (kernel[4] != ELFCLASS32 || kernel[5] != ELFDATA2LSB) {
            throw new KernelLoadException(file, 4, "not a 32-bit little-endian ELF file");
        }
        int machine = Short.toUnsignedInt(data.getShort(18));
        if (machine != EM_386) {
            throw new KernelLoadException(file, 18, "ELF machine " + machine + " is not i386 (3)");
        }
        long entry = MultibootHeader.u32(data, 24);
        long phoff = MultibootHeader.u32(data, 28);
        int phentsize = Short.toUnsignedInt(data.getShort(42));
        int phnum = Short.toUnsignedInt(data.getShort(44));
        if (phentsize < ELF_PHDR_SIZE || phoff + (long) phnum * phentsize > kernel.length) {
            throw new KernelLoadException(file, 28, "ELF program headers lie outside the file");
        }
        long physicalEntry = entry;
        for (int i = 0; i < phnum; i++) {
            int ph = (int) (phoff + (long) i * phentsize);
            if (data.getInt(ph) != PT_LOAD) continue;
            long offset = MultibootHeader.u32(data, ph + 4);
            long vaddr = MultibootHeader.u32(data, ph + 8);
            long paddr = MultibootHeader.u32(data, ph + 12);
            long fileBytes = MultibootHeader.u32(data, ph + 16);
            long memoryBytes = MultibootHeader.u32(data, ph + 20);
            if (memoryBytes == 0) continue;
            if (fileBytes > memoryBytes || offset + fileBytes > kernel.length) {
                throw new KernelLoadException(
                        file,
                        ph,
                        String.format(
                                "ELF segment %d: %d file bytes at 0x%x do not fit the file (%d bytes) or its %d memory"
                                        + " bytes",
                                i, fileBytes, offset, kernel.length, memoryBytes));
            }
            if (entry >= vaddr && entry < vaddr + memoryBytes) physicalEntry = paddr + (entry - vaddr);
            segments.add(new Segment(paddr, (int) offset, (int) fileBytes, memoryBytes, ph));
        }
        return physicalEntry;
    }

    private static byte[] buildInfo(
            long base, E820Map map, String commandLine, List<MultibootModule> modules, List<Long> moduleAddresses) {
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        long stringsBase = base + INFO_SIZE;
        long commandLineAddress = stringsBase + appendString(strings, commandLine);
        long nameAddress = stringsBase + appendString(strings, BOOT_LOADER_NAME);
        List<Long> moduleStrings = new ArrayList<>();
        for (MultibootModule module : modules)
            moduleStrings.add(stringsBase + appendString(strings, module.commandLine()));
        while (strings.size() % 8 != 0) strings.write(0);
        long modulesAddress = stringsBase + strings.size();
        long mmapAddress = modulesAddress + (long) modules.size() * MODULE_ENTRY_SIZE;
        List<E820Entry> mmap = map.entries();
        int size = Math.toIntExact(mmapAddress - base + (long) mmap.size() * MMAP_ENTRY_SIZE);

        ByteBuffer info = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        info.putInt(0, INFO_MEMORY | INFO_CMDLINE | INFO_MODULES | INFO_MEMORY_MAP | INFO_BOOT_LOADER_NAME);
        info.putInt(4, (int) map.lowerMemoryKiB());
        info.putInt(8, (int) Math.min(map.upperMemoryKiB(), 0xffff_ffffL));
        info.putInt(16, (int) commandLineAddress);
        info.putInt(20, modules.size());
        info.putInt(24, (int) modulesAddress);
        info.putInt(44, mmap.size() * MMAP_ENTRY_SIZE);
        info.putInt(48, (int) mmapAddress);
        info.putInt(64, (int) nameAddress);
        info.put(INFO_SIZE, strings.toByteArray());
        int at = (int) (modulesAddress - base);
        for (int i = 0; i < modules.size(); i++, at += MODULE_ENTRY_SIZE) {
            long start = moduleAddresses.get(i);
            info.putInt(at, (int) start);
            info.putInt(at + 4, (int) (start + modules.get(i).contents().length));
            info.putInt(at + 8, (int) (long) moduleStrings.get(i));
        }
        for (E820Entry entry : mmap) {
            info.putInt(at, MMAP_ENTRY_SIZE - 4); // "size" excludes itself
            info.putLong(at + 4, entry.address());
            info.putLong(at + 12, entry.size());
            info.putInt(at + 20, entry.type());
            at += MMAP_ENTRY_SIZE;
        }
        return info.array();
    }

    /** Appends {@code text} and a NUL; returns where it starts. */
    private static int appendString(ByteArrayOutputStream strings, String text) {
        int start = strings.size();
        strings.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        return start;
    }

    private static void requireRam(E820Map map, String file, long address, long length, String what) {
        if (!map.isRam(address, length)) {
            throw KernelLoadException.whole(
                    file,
                    String.format(
                            "%s (%d bytes at 0x%x) does not fit the VM's RAM (%s)",
                            what, length, address, ramDescription(map)),
                    null);
        }
    }

    private static String ramDescription(E820Map map) {
        StringBuilder text = new StringBuilder("RAM:");
        for (E820Entry entry : map.entries()) {
            if (entry.isRam()) text.append(String.format(" [0x%x, 0x%x)", entry.address(), entry.end()));
        }
        return text.toString();
    }

    private static void writeZeros(GuestMemory memory, long address, long length) {
        byte[] zeros = new byte[(int) Math.min(length, 1 << 20)];
        for (long done = 0; done < length; done += zeros.length) {
            memory.write(address + done, zeros, 0, (int) Math.min(zeros.length, length - done));
        }
    }

    private static long pageAlign(long address) {
        return (address + PAGE - 1) & -PAGE;
    }
}
