package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.arch.x86.boot.KernelLoader.BzImageMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelLoaderTest {
    private static final byte[] CODE = TestImages.pattern(0x1000, 5);
    private static final byte[] VMLINUX = TestImages.elf(0x100_0000, 0x100_0000, 0x100_0000, CODE, 0, 0x100_0010L);

    @TempDir
    Path dir;

    @Test
    void elfAndBzImageFilesAreToldApartByMagic() throws IOException {
        Path elf = Files.write(dir.resolve("vmlinux"), VMLINUX);
        Path bz = Files.write(dir.resolve("bzImage"), TestImages.bzImage(TestImages.gzip(VMLINUX), 0x020f, 4, 1));
        SparseGuestMemory memory = new SparseGuestMemory(64L << 20);
        LoadedKernel fromElf = KernelLoader.load(memory, elf, BzImageMode.DECOMPRESS_IN_GUEST);
        assertEquals(0x100_0000, fromElf.entryPoint());
        assertEquals(0x100_0010, fromElf.pvhEntryPoint().orElseThrow());
        assertEquals(SetupHeader.DEFAULT_CMDLINE_SIZE, fromElf.setupHeader().cmdlineSize());
        assertEquals(
                0x100200,
                KernelLoader.load(memory, bz, BzImageMode.DECOMPRESS_IN_GUEST).entryPoint());
        assertEquals(
                0x100_0000,
                KernelLoader.load(memory, bz, BzImageMode.DECOMPRESS_ON_HOST).entryPoint());
    }

    @Test
    void missingEmptyAndForeignFilesAreOneClearError() throws IOException {
        Path missing = dir.resolve("nope");
        var error = assertThrows(
                KernelLoadException.class,
                () -> KernelLoader.load(new SparseGuestMemory(64L << 20), missing, BzImageMode.DECOMPRESS_ON_HOST));
        assertEquals(missing + ": no such file", error.getMessage());
        Path text = Files.writeString(dir.resolve("README"), "hello");
        var foreign = assertThrows(
                KernelLoadException.class,
                () -> KernelLoader.load(new SparseGuestMemory(64L << 20), text, BzImageMode.DECOMPRESS_ON_HOST));
        assertTrue(foreign.getMessage().startsWith(text + " at offset 0x5: truncated"), foreign.getMessage());
        var directory = assertThrows(
                KernelLoadException.class,
                () -> KernelLoader.load(new SparseGuestMemory(64L << 20), dir, BzImageMode.DECOMPRESS_ON_HOST));
        assertTrue(directory.getMessage().startsWith(dir + ": cannot read"), directory.getMessage());
    }

    @Test
    void theInitrdGoesPageAlignedAtTheTopOfRamAboveTheKernel() throws IOException {
        byte[] initrd = TestImages.pattern(10_000, 9);
        Path file = Files.write(dir.resolve("initrd.img"), initrd);
        SparseGuestMemory memory = new SparseGuestMemory(64L << 20);
        LoadedKernel kernel =
                KernelLoader.load(memory, Files.write(dir.resolve("vmlinux"), VMLINUX), BzImageMode.DECOMPRESS_ON_HOST);
        LoadedInitrd loaded = KernelLoader.loadInitrd(memory, file, kernel);
        assertEquals((64L << 20) - 3 * 4096, loaded.address());
        assertEquals(10_000, loaded.size());
        assertArrayEquals(initrd, memory.read(loaded.address(), initrd.length));

        Path tooBig = Files.write(dir.resolve("big.img"), new byte[63 << 20]);
        var error = assertThrows(KernelLoadException.class, () -> KernelLoader.loadInitrd(memory, tooBig, kernel));
        assertTrue(
                error.getMessage().startsWith(tooBig + ": an initrd of 66060288 bytes does not fit"),
                error.getMessage());
        Path empty = Files.write(dir.resolve("empty.img"), new byte[0]);
        assertThrows(KernelLoadException.class, () -> KernelLoader.loadInitrd(memory, empty, kernel));
    }
}
