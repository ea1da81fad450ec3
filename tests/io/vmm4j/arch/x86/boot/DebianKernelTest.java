package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.boot.KernelLoader.BzImageMode;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.testing.DebianPackages;
import io.vmm4j.testing.RequiresKvm;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loaders on Debian's real cloud kernel (downloaded once into target/debian-kernel/). */
class DebianKernelTest {
    private static final long LINUX_PHYSICAL_START = 0x100_0000; // CONFIG_PHYSICAL_START
    private static Path path;
    private static byte[] image;
    private static BzImage bzImage;
    private static byte[] vmlinux;

    @TempDir
    Path dir;

    @BeforeAll
    static void fetchAndDecompress() throws IOException {
        path = DebianPackages.kernel();
        image = Files.readAllBytes(path);
        bzImage = BzImage.parse(image, path.toString());
        long start = System.nanoTime();
        vmlinux = bzImage.decompressPayload();
        long micros = (System.nanoTime() - start) / 1000;
        System.out.printf(
                "%s: %d bytes, %s payload of %d bytes decompressed to %d bytes in %d ms%n",
                path.getFileName(),
                image.length,
                bzImage.payloadFormat(),
                bzImage.header().payloadLength(),
                vmlinux.length,
                micros / 1000);
    }

    @Test
    void theSetupHeaderIsAModern64BitOneWithAnLz4Payload() {
        SetupHeader header = bzImage.header();
        assertTrue(header.version() >= 0x0206, header.toString());
        assertTrue(header.has64BitEntry(), header.toString());
        assertTrue(header.relocatable());
        assertEquals(PayloadDecompressor.Format.LZ4_LEGACY, bzImage.payloadFormat());
        assertTrue(header.cmdlineSize() >= 2047, header.toString());
        assertEquals(LINUX_PHYSICAL_START, header.prefAddress());
    }

    @Test
    void thePayloadIsTheVmlinuxElfEnteredAtItsPhysicalStart() {
        ElfKernel elf = ElfKernel.parse(vmlinux, "vmlinux");
        assertEquals(LINUX_PHYSICAL_START, elf.entryPoint());
        assertEquals(LINUX_PHYSICAL_START, elf.loadStart());
        assertTrue(
                elf.loadEnd() - elf.loadStart() <= bzImage.header().initSize(),
                "the kernel's memory image fits its init_size");
        assertTrue(elf.segments().size() >= 3, elf.segments().toString());
        // Debian builds with CONFIG_PVH: the Xen note gives a 32-bit entry inside the first segment.
        long pvh = elf.pvhEntryPoint().orElseThrow();
        ElfKernel.Segment first = elf.segments().get(0);
        assertTrue(pvh > first.physicalAddress() && pvh < first.physicalEnd(), Long.toHexString(pvh));
    }

    @Test
    @RequiresKvm
    void bothWaysLandTheRightBytesInARealVm() {
        try (Hypervisor kvm = Kvm.open();
                VirtualMachine asIs =
                        kvm.createVm(VmConfig.builder().memoryMiB(256).build());
                VirtualMachine decompressed =
                        kvm.createVm(VmConfig.builder().memoryMiB(256).build())) {
            LoadedKernel plain = KernelLoader.load(asIs.memory(), path, BzImageMode.DECOMPRESS_IN_GUEST);
            assertEquals(0x100200, plain.entryPoint());
            int protectedMode = bzImage.protectedModeLength();
            assertArrayEquals(
                    Arrays.copyOfRange(image, (int) bzImage.protectedModeOffset(), image.length),
                    asIs.memory().read(0x100000, protectedMode));

            LoadedKernel direct = KernelLoader.load(decompressed.memory(), path, BzImageMode.DECOMPRESS_ON_HOST);
            assertEquals(LINUX_PHYSICAL_START, direct.entryPoint());
            assertEquals(bzImage.header().version(), direct.setupHeader().version());
            GuestMemory memory = decompressed.memory();
            for (ElfKernel.Segment segment : ElfKernel.parse(vmlinux, "vmlinux").segments()) {
                int length = (int) segment.fileSize();
                assertArrayEquals(
                        Arrays.copyOfRange(vmlinux, (int) segment.fileOffset(), (int) segment.fileOffset() + length),
                        memory.read(segment.physicalAddress(), length),
                        "segment at 0x" + Long.toHexString(segment.physicalAddress()));
                int bss = (int) Math.min(segment.memorySize() - segment.fileSize(), 1 << 20);
                assertArrayEquals(new byte[bss], memory.read(segment.physicalAddress() + length, bss));
            }
            assertTrue(direct.reservedEnd() < 256L << 20);
            LoadedInitrd initrd =
                    KernelLoader.loadInitrd(memory, Files.write(dir.resolve("initrd"), new byte[5000]), direct);
            assertEquals((256L << 20) - 8192, initrd.address());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void truncatedCopiesFailClearly() throws IOException {
        SparseGuestMemory memory = new SparseGuestMemory(256L << 20);
        Path header = Files.write(dir.resolve("header-only"), Arrays.copyOf(image, 0x150));
        var tooShort = assertThrows(
                KernelLoadException.class, () -> KernelLoader.load(memory, header, BzImageMode.DECOMPRESS_ON_HOST));
        assertTrue(tooShort.getMessage().startsWith(header + " at offset 0x150: truncated"), tooShort.getMessage());

        Path half = Files.write(dir.resolve("half"), Arrays.copyOf(image, image.length / 2));
        var cut = assertThrows(
                KernelLoadException.class, () -> KernelLoader.load(memory, half, BzImageMode.DECOMPRESS_ON_HOST));
        assertTrue(cut.getMessage().startsWith(half + " at offset 0x248: the payload"), cut.getMessage());
    }

    @Test
    void wrongMagicFailsClearly() throws IOException {
        byte[] bad = image.clone();
        bad[0x202] = 'X';
        Path file = Files.write(dir.resolve("bad-magic"), bad);
        var error = assertThrows(
                KernelLoadException.class,
                () -> KernelLoader.load(new SparseGuestMemory(256L << 20), file, BzImageMode.DECOMPRESS_IN_GUEST));
        assertTrue(error.getMessage().startsWith(file + " at offset 0x202: not a bzImage"), error.getMessage());
    }

    @Test
    void corruptLz4BlocksFailClearlyAtTheirOffset() throws IOException {
        int payload = (int) bzImage.payloadFileOffset();
        int firstBlock = ByteBuffer.wrap(image, payload + 4, 4)
                .order(ByteOrder.LITTLE_ENDIAN)
                .getInt();
        int secondSizeWord = payload + 8 + firstBlock;
        byte[] badSize = image.clone();
        ByteBuffer.wrap(badSize).order(ByteOrder.LITTLE_ENDIAN).putInt(secondSizeWord, 0x0fff_ffff);
        Path file = Files.write(dir.resolve("bad-size"), badSize);
        var error = assertThrows(
                KernelLoadException.class,
                () -> KernelLoader.load(new SparseGuestMemory(256L << 20), file, BzImageMode.DECOMPRESS_ON_HOST));
        assertEquals(OptionalLong.of(secondSizeWord), error.offset(), error.getMessage());
        assertTrue(error.getMessage().contains("corrupt LZ4 block"), error.getMessage());

        byte[] garbage = image.clone();
        Arrays.fill(garbage, payload + 8, payload + 8 + 4096, (byte) 0xff);
        Path garbled = Files.write(dir.resolve("garbled"), garbage);
        var corrupt = assertThrows(
                KernelLoadException.class,
                () -> KernelLoader.load(new SparseGuestMemory(256L << 20), garbled, BzImageMode.DECOMPRESS_ON_HOST));
        // LZ4 has no checksum: garbage may decode (to the wrong length) and show only at the size word.
        long at = corrupt.offset().orElseThrow();
        assertTrue(at >= payload && at <= payload + bzImage.header().payloadLength(), corrupt.getMessage());
        assertTrue(corrupt.getMessage().startsWith(garbled + " (payload) at offset"), corrupt.getMessage());
    }
}
