package io.vmm4j.arch.x86.boot;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.common.FileErrors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Loads a kernel file (ELF vmlinux or bzImage) and an initrd into guest memory. */
public final class KernelLoader {
    /** Larger kernel files are refused before anything is read. */
    public static final long MAX_KERNEL_FILE_SIZE = 512L << 20;

    /** What to do with a bzImage. */
    public enum BzImageMode {
        /** Load the bzImage as is; the guest decompresses itself. */
        DECOMPRESS_IN_GUEST,
        /** Decompress the payload on the host and start the vmlinux inside directly. */
        DECOMPRESS_ON_HOST
    }

    private KernelLoader() {}

    /**
     * Reads and parses {@code kernel}, telling an ELF vmlinux from a bzImage by its magic, and with
     * {@code DECOMPRESS_ON_HOST} decompresses a bzImage's payload: everything but the writing into
     * guest memory, so a bad file is reported before any VM exists.
     *
     * @throws KernelLoadException for any problem with the file, naming it and the offset
     */
    public static ParsedKernel parse(Path kernel, BzImageMode mode) {
        byte[] image = readFile(kernel, MAX_KERNEL_FILE_SIZE);
        String source = kernel.toString();
        if (ElfKernel.hasElfMagic(image)) {
            ElfKernel elf = ElfKernel.parse(image, source);
            return memory -> elf.load(memory, SetupHeader.forElfKernel());
        }
        BzImage bzImage = BzImage.parse(image, source);
        if (mode == BzImageMode.DECOMPRESS_IN_GUEST) return bzImage::loadAsIs;
        ElfKernel inside = bzImage.decompressedKernel();
        return memory -> inside.load(memory, bzImage.header());
    }

    /** {@link #parse} and {@link ParsedKernel#load}, in one step. */
    public static LoadedKernel load(GuestMemory memory, Path kernel, BzImageMode mode) {
        return parse(kernel, mode).load(memory);
    }

    /** A kernel file read and parsed by {@link #parse}, not yet in guest memory. */
    @FunctionalInterface
    public interface ParsedKernel {
        /**
         * Writes it into {@code memory}, after checking that it fits; nothing is written when it does not.
         *
         * @throws KernelLoadException naming the file when it does not fit
         */
        LoadedKernel load(GuestMemory memory);
    }

    /**
     * Checks, without guest memory, that {@code initrd} is a file that can be read and is not empty.
     *
     * @throws KernelLoadException naming the file
     */
    public static void checkInitrd(Path initrd) {
        try (FileChannel channel = openInitrd(initrd)) {
            // opened, and not empty
        } catch (IOException e) {
            throw ioProblem(initrd, e);
        }
    }

    private static FileChannel openInitrd(Path initrd) throws IOException {
        if (Files.isDirectory(initrd)) throw KernelLoadException.whole(initrd.toString(), "is a directory", null);
        FileChannel channel = FileChannel.open(initrd, StandardOpenOption.READ);
        if (channel.size() == 0) {
            channel.close();
            throw new KernelLoadException(initrd.toString(), 0, "the initrd is empty");
        }
        return channel;
    }

    /**
     * Copies {@code initrd} into guest memory, page aligned, as high below min(initrd_addr_max,
     * the top of RAM below the MMIO gap) as it goes, and above the kernel.
     */
    public static LoadedInitrd loadInitrd(GuestMemory memory, Path initrd, LoadedKernel kernel) {
        String source = initrd.toString();
        try (FileChannel channel = openInitrd(initrd)) {
            long size = channel.size();
            long address;
            try {
                address = MemoryLayout.initrdAddress(
                        memory.size(), size, kernel.setupHeader().initrdAddrMax(), kernel.reservedEnd());
            } catch (IllegalArgumentException e) {
                throw KernelLoadException.whole(source, e.getMessage(), e);
            }
            byte[] chunk = new byte[(int) Math.min(size, 4 << 20)];
            long done = 0;
            try (InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
                while (done < size) {
                    int n = in.readNBytes(chunk, 0, (int) Math.min(chunk.length, size - done));
                    if (n == 0)
                        throw new KernelLoadException(
                                source, done, "truncated while reading: expected " + size + " bytes");
                    memory.write(address + done, chunk, 0, n);
                    done += n;
                }
            }
            return new LoadedInitrd(address, size);
        } catch (IOException e) {
            throw ioProblem(initrd, e);
        }
    }

    /** Reads a whole file, refusing one larger than {@code maxSize} before reading it. */
    static byte[] readFile(Path file, long maxSize) {
        try {
            long size = Files.size(file);
            if (size > maxSize) {
                throw KernelLoadException.whole(
                        file.toString(), "the file has " + size + " bytes; at most " + maxSize + " are accepted", null);
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length > maxSize) {
                throw KernelLoadException.whole(file.toString(), "the file grew past " + maxSize + " bytes", null);
            }
            return bytes;
        } catch (IOException e) {
            throw ioProblem(file, e);
        }
    }

    private static KernelLoadException ioProblem(Path file, IOException e) {
        String problem = e instanceof NoSuchFileException ? "no such file" : "cannot read: " + FileErrors.strerror(e);
        return KernelLoadException.whole(file.toString(), problem, e);
    }
}
