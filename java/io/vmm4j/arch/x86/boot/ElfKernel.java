package io.vmm4j.arch.x86.boot;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.MemoryLayout.RamRegion;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * An ELF64 x86-64 vmlinux: its PT_LOAD segments (loaded at their physical addresses), its entry
 * point as a physical address, and the PVH entry of its Xen note if it has one. Parsing needs no VM.
 */
public final class ElfKernel {
    private static final int EHDR_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int ET_EXEC = 2;
    private static final int EM_X86_64 = 62;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    /** One PT_LOAD segment; {@code headerOffset} is where its program header is in the file. */
    public record Segment(
            long headerOffset,
            long fileOffset,
            long physicalAddress,
            long virtualAddress,
            long fileSize,
            long memorySize) {
        public long physicalEnd() {
            return physicalAddress + memorySize;
        }
    }

    private final byte[] image;
    private final String source;
    private final List<Segment> segments;
    private final long entryPoint;
    private final OptionalLong pvhEntryPoint;

    private ElfKernel(
            byte[] image, String source, List<Segment> segments, long entryPoint, OptionalLong pvhEntryPoint) {
        this.image = image;
        this.source = source;
        this.segments = segments;
        this.entryPoint = entryPoint;
        this.pvhEntryPoint = pvhEntryPoint;
    }

    public static boolean hasElfMagic(byte[] image) {
        return image.length >= 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F';
    }

    /**
     * Checks the headers and finds the segments and entry points.
     *
     * @throws KernelLoadException naming {@code source} and the offset of the first bad field
     */
    public static ElfKernel parse(byte[] image, String source) {
        if (!hasElfMagic(image)) throw new KernelLoadException(source, 0, "not an ELF file: bad magic");
        if (image.length < EHDR_SIZE) {
            throw new KernelLoadException(source, image.length, "truncated: the ELF header needs 64 bytes");
        }
        ByteBuffer bytes = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image[4] != 2) throw new KernelLoadException(source, 4, "not a 64-bit ELF (EI_CLASS " + image[4] + ")");
        if (image[5] != 1)
            throw new KernelLoadException(source, 5, "not a little-endian ELF (EI_DATA " + image[5] + ")");
        int type = bytes.getShort(16) & 0xffff;
        if (type != ET_EXEC) throw new KernelLoadException(source, 16, "not an executable ELF (e_type " + type + ")");
        int machine = bytes.getShort(18) & 0xffff;
        if (machine != EM_X86_64) {
            throw new KernelLoadException(source, 18, "not an x86-64 ELF (e_machine " + machine + ")");
        }
        long entry = bytes.getLong(24);
        long phoff = bytes.getLong(32);
        int phentsize = bytes.getShort(54) & 0xffff;
        int phnum = bytes.getShort(56) & 0xffff;
        if (phentsize != PHDR_SIZE) {
            throw new KernelLoadException(source, 54, "e_phentsize is " + phentsize + ", expected " + PHDR_SIZE);
        }
        if (phnum == 0) throw new KernelLoadException(source, 56, "no program headers");
        if (phoff < 0 || phoff > image.length || (long) phnum * PHDR_SIZE > image.length - phoff) {
            throw new KernelLoadException(
                    source,
                    32,
                    "the " + phnum + " program headers at 0x" + Long.toHexString(phoff)
                            + " run past the end of the file (" + image.length + " bytes)");
        }
        List<Segment> segments = new ArrayList<>();
        OptionalLong pvhEntry = OptionalLong.empty();
        for (int i = 0; i < phnum; i++) {
            int at = (int) (phoff + (long) i * PHDR_SIZE);
            int kind = bytes.getInt(at);
            long offset = bytes.getLong(at + 8);
            long vaddr = bytes.getLong(at + 16);
            long paddr = bytes.getLong(at + 24);
            long filesz = bytes.getLong(at + 32);
            long memsz = bytes.getLong(at + 40);
            if (kind != PT_LOAD && kind != PT_NOTE) continue;
            if (offset < 0 || filesz < 0 || offset > image.length || filesz > image.length - offset) {
                throw new KernelLoadException(
                        source,
                        at,
                        "program header " + i + ": its " + filesz
                                + " bytes at file offset 0x" + Long.toHexString(offset)
                                + " run past the end of the file ("
                                + image.length + " bytes)");
            }
            if (kind == PT_NOTE) {
                OptionalLong found = pvhEntry(bytes, (int) offset, (int) filesz, source);
                if (found.isPresent()) pvhEntry = found;
                continue;
            }
            if (memsz < filesz) {
                throw new KernelLoadException(
                        source,
                        at,
                        "program header " + i + ": p_memsz " + memsz + " is smaller than p_filesz " + filesz);
            }
            if (paddr < 0 || memsz > Long.MAX_VALUE - paddr) {
                throw new KernelLoadException(
                        source,
                        at,
                        "program header " + i + ": physical range 0x" + Long.toHexString(paddr) + " + " + memsz
                                + " wraps around");
            }
            if (memsz > 0) segments.add(new Segment(at, offset, paddr, vaddr, filesz, memsz));
        }
        if (segments.isEmpty()) throw new KernelLoadException(source, phoff, "no PT_LOAD segment");
        return new ElfKernel(image, source, List.copyOf(segments), physicalEntry(entry, segments, source), pvhEntry);
    }

    // Linux's vmlinux says ENTRY(phys_startup_64), a physical address; other ELFs give a virtual one.
    private static long physicalEntry(long entry, List<Segment> segments, String source) {
        for (Segment segment : segments) {
            long offset = entry - segment.virtualAddress();
            if (Long.compareUnsigned(offset, segment.memorySize()) < 0) return segment.physicalAddress() + offset;
        }
        for (Segment segment : segments) {
            long offset = entry - segment.physicalAddress();
            if (Long.compareUnsigned(offset, segment.memorySize()) < 0) return entry;
        }
        throw new KernelLoadException(
                source, 24, "the entry point 0x" + Long.toHexString(entry) + " is in no PT_LOAD segment");
    }

    private static OptionalLong pvhEntry(ByteBuffer bytes, int start, int length, String source) {
        int at = start;
        int end = start + length;
        while (end - at >= 12) {
            long nameSize = bytes.getInt(at) & 0xffff_ffffL;
            long descSize = bytes.getInt(at + 4) & 0xffff_ffffL;
            int type = bytes.getInt(at + 8);
            long name = at + 12L;
            long desc = name + align4(nameSize);
            long next = desc + align4(descSize);
            if (next > end) {
                throw new KernelLoadException(
                        source,
                        at,
                        "ELF note of name size " + nameSize + " and descriptor size " + descSize
                                + " runs past the end of its PT_NOTE segment");
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY && nameSize == 4 && isXen(bytes, (int) name)) {
                if (descSize != 4 && descSize != 8) {
                    throw new KernelLoadException(
                            source, desc, "XEN_ELFNOTE_PHYS32_ENTRY has " + descSize + " bytes, expected 4 or 8");
                }
                // The entry is a 32-bit physical address, emitted as .long or .quad.
                return OptionalLong.of(bytes.getInt((int) desc) & 0xffff_ffffL);
            }
            at = (int) next;
        }
        return OptionalLong.empty();
    }

    private static boolean isXen(ByteBuffer bytes, int at) {
        byte[] name = new byte[4];
        bytes.get(at, name);
        return new String(name, StandardCharsets.US_ASCII).equals("Xen\0");
    }

    private static long align4(long size) {
        return (size + 3) & ~3L;
    }

    public List<Segment> segments() {
        return segments;
    }

    /** The 64-bit entry point, as a physical address. */
    public long entryPoint() {
        return entryPoint;
    }

    public OptionalLong pvhEntryPoint() {
        return pvhEntryPoint;
    }

    public long loadStart() {
        return segments.stream().mapToLong(Segment::physicalAddress).min().orElseThrow();
    }

    public long loadEnd() {
        return segments.stream().mapToLong(Segment::physicalEnd).max().orElseThrow();
    }

    /**
     * Writes every segment to its physical address and zeroes its BSS, after checking that all of
     * them lie in RAM above the boot structures.
     *
     * @param header the setup header to boot with (a bzImage's, or {@link SetupHeader#forElfKernel()})
     * @throws KernelLoadException if a segment is outside RAM; nothing is written then
     */
    public LoadedKernel load(GuestMemory memory, SetupHeader header) {
        List<RamRegion> ram = MemoryLayout.ramRegions(memory.size());
        for (Segment segment : segments) {
            boolean inRam = ram.stream().anyMatch(r -> r.contains(segment.physicalAddress(), segment.memorySize()));
            if (!inRam || segment.physicalAddress() < MemoryLayout.HIGH_MEMORY_START) {
                throw new KernelLoadException(
                        source,
                        segment.headerOffset(),
                        "segment [0x"
                                + Long.toHexString(segment.physicalAddress()) + ", 0x"
                                + Long.toHexString(segment.physicalEnd())
                                + ") is outside guest RAM from 1 MiB (RAM: " + describe(ram) + ")");
            }
        }
        byte[] zeros = new byte[1 << 20];
        for (Segment segment : segments) {
            memory.write(segment.physicalAddress(), image, (int) segment.fileOffset(), (int) segment.fileSize());
            long address = segment.physicalAddress() + segment.fileSize();
            while (address < segment.physicalEnd()) {
                int chunk = (int) Math.min(zeros.length, segment.physicalEnd() - address);
                memory.write(address, zeros, 0, chunk);
                address += chunk;
            }
        }
        long reservedEnd = Math.max(loadEnd(), loadStart() + header.initSize());
        return new LoadedKernel(
                BootProtocol.LINUX_64, entryPoint, loadStart(), loadEnd(), reservedEnd, header, pvhEntryPoint);
    }

    private static String describe(List<RamRegion> ram) {
        StringBuilder text = new StringBuilder();
        for (RamRegion region : ram) {
            if (text.length() > 0) text.append(", ");
            text.append("[0x")
                    .append(Long.toHexString(region.start()))
                    .append(", 0x")
                    .append(Long.toHexString(region.end()))
                    .append(')');
        }
        return text.toString();
    }
}
