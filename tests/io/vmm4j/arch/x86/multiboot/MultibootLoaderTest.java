package io.vmm4j.arch.x86.multiboot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.Vcpu;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.api.x86.Register;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.arch.x86.KernelLoadException;
import io.vmm4j.guests.BundledGuest;
import io.vmm4j.testing.RequiresKvm;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultibootLoaderTest {
    private static final long RAM = 8L << 20;
    private static final E820Map MAP = E820Map.forMemory(RAM);
    private static final int MAGIC = MultibootHeader.MAGIC;

    /** An a.out-kludge image: header at 0x20, loaded at 0x200000 from file offset 0, bss to +0x3000. */
    private static byte[] aoutImage(int flags) {
        ByteBuffer image = ByteBuffer.allocate(0x1000).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < image.capacity(); i++) image.put(i, (byte) 0xAB);
        image.putInt(0x20, MAGIC).putInt(0x24, flags).putInt(0x28, -(MAGIC + flags));
        image.putInt(0x2c, 0x200020); // header_addr
        image.putInt(0x30, 0x200000); // load_addr
        image.putInt(0x34, 0x200800); // load_end_addr: the first 2 KiB of the file
        image.putInt(0x38, 0x203000); // bss_end_addr
        image.putInt(0x3c, 0x200040); // entry_addr
        return image.array();
    }

    @Test
    @RequiresKvm
    void aoutKludgeLoadsTheFileRangeZeroesBssAndBuildsTheInformation(Hypervisor kvm) {
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memorySize(RAM).build())) {
            GuestMemory memory = vm.memory();
            memory.write(0x200800, new byte[] {1, 2, 3, 4}); // must be zeroed as bss
            byte[] image = aoutImage(MultibootHeader.FLAG_AOUT_KLUDGE | MultibootHeader.FLAG_MEMORY_INFO);
            byte[] moduleBytes = "vmm4j-module\n".getBytes(StandardCharsets.US_ASCII);
            MultibootLoader.Loaded loaded = MultibootLoader.load(
                    memory,
                    MAP,
                    "aout.img",
                    image,
                    "/k/aout.img console=ttyS0",
                    List.of(new MultibootModule("/m/one arg", moduleBytes)));

            assertEquals(0x200040, loaded.entryPoint());
            assertArrayEquals(java.util.Arrays.copyOf(image, 0x800), memory.read(0x200000, 0x800));
            assertEquals(0, memory.readInt(0x200800), "bss zeroed");
            assertEquals(0x203000, loaded.kernelEnd());

            long module = loaded.moduleAddresses().get(0);
            assertEquals(0x203000, module, "first module on the page after the kernel");
            assertArrayEquals(moduleBytes, memory.read(module, moduleBytes.length));

            long info = loaded.infoAddress();
            assertEquals(0, info % 4096);
            assertTrue(info >= module + moduleBytes.length);
            int flags = memory.readInt(info);
            assertEquals(0x1 | 0x4 | 0x8 | 0x40 | 0x200, flags);
            assertEquals(639, memory.readInt(info + 4), "mem_lower");
            assertEquals((RAM - (1 << 20)) >> 10, memory.readInt(info + 8), "mem_upper");
            assertEquals("/k/aout.img console=ttyS0", string(memory, memory.readInt(info + 16)));
            assertEquals(1, memory.readInt(info + 20));
            long mods = Integer.toUnsignedLong(memory.readInt(info + 24));
            assertEquals(module, memory.readInt(mods));
            assertEquals(module + moduleBytes.length, memory.readInt(mods + 4));
            assertEquals("/m/one arg", string(memory, memory.readInt(mods + 8)));
            assertEquals("vmm4j", string(memory, memory.readInt(info + 64)));

            int mmapLength = memory.readInt(info + 44);
            long mmap = Integer.toUnsignedLong(memory.readInt(info + 48));
            assertEquals(MAP.entries().size() * 24, mmapLength);
            for (int i = 0; i < MAP.entries().size(); i++) {
                E820Entry entry = MAP.entries().get(i);
                long at = mmap + i * 24L;
                assertEquals(20, memory.readInt(at));
                assertEquals(entry.address(), memory.readLong(at + 4));
                assertEquals(entry.size(), memory.readLong(at + 12));
                assertEquals(entry.type(), memory.readInt(at + 20));
            }
        }
    }

    @Test
    @RequiresKvm
    void elfKernelLoadsAtItsPhysicalAddressAndEntersWithTheMagic(Hypervisor kvm) {
        try (VirtualMachine vm = kvm.createVm(VmConfig.builder().memorySize(RAM).build())) {
            byte[] elf = BundledGuest.MULTIBOOT.image();
            MultibootLoader.Loaded loaded =
                    MultibootLoader.load(vm.memory(), MAP, "multiboot.elf", elf, "multiboot.elf", List.of());
            ByteBuffer header = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(Integer.toUnsignedLong(header.getInt(24)), loaded.entryPoint());
            assertEquals(0x100000, loaded.kernelStart());
            assertEquals(MAGIC, vm.memory().readInt(0x100000), "the multiboot header leads .text");
            assertEquals(0, vm.memory().readInt(loaded.infoAddress() + 20), "no modules");

            Vcpu vcpu = vm.createVcpu(0);
            MultibootLoader.enter(vcpu, loaded);
            assertEquals(0x2BADB002L, vcpu.registers().get(Register.RAX));
            assertEquals(loaded.infoAddress(), vcpu.registers().get(Register.RBX));
            assertEquals(loaded.entryPoint(), vcpu.registers().get(Register.RIP));
            assertEquals(1, vcpu.specialRegisters().cr0() & 1, "protected mode");
            assertEquals(0, vcpu.specialRegisters().cr0() & (1L << 31), "paging off");
        }
    }

    @Test
    void badChecksumNamesTheFileAndOffset() {
        byte[] image = aoutImage(MultibootHeader.FLAG_AOUT_KLUDGE);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(0x28, 0x1234);
        KernelLoadException e = assertThrows(
                KernelLoadException.class, () -> MultibootLoader.load(null, MAP, "kernel.bin", image, "", List.of()));
        assertTrue(
                e.getMessage().startsWith("kernel.bin at offset 0x20: malformed multiboot header: checksum"),
                e.getMessage());
        assertEquals(0x20, e.offset().orElseThrow());
        assertTrue(MultibootLoader.isMultiboot(image), "a malformed header still says multiboot");
    }

    @Test
    void malformedImagesAreRefusedBeforeAnythingIsWritten() {
        assertRefused(aoutImage(MultibootHeader.FLAG_AOUT_KLUDGE | 0x8), "requires features 0x0008", "offset 0x24");
        byte[] noHeader = new byte[9000];
        assertFalse(MultibootLoader.isMultiboot(noHeader));
        assertRefused(noHeader, "no multiboot header in the first 8192 bytes", "");

        byte[] outsideRam = aoutImage(MultibootHeader.FLAG_AOUT_KLUDGE);
        ByteBuffer.wrap(outsideRam).order(ByteOrder.LITTLE_ENDIAN).putInt(0x38, 0x1000000); // bss to 16 MiB
        assertRefused(outsideRam, "does not lie in the VM's RAM", "offset 0x20");

        byte[] pastFile = aoutImage(MultibootHeader.FLAG_AOUT_KLUDGE);
        ByteBuffer.wrap(pastFile).order(ByteOrder.LITTLE_ENDIAN).putInt(0x34, 0x202000);
        assertRefused(pastFile, "load_end_addr", "offset 0x34");

        byte[] elf = BundledGuest.MULTIBOOT.image().clone();
        elf[4] = 2; // ELFCLASS64
        assertRefused(elf, "64-bit ELF", "offset 0x4");

        byte[] truncated = java.util.Arrays.copyOf(aoutImage(MultibootHeader.FLAG_AOUT_KLUDGE), 0x30);
        assertRefused(truncated, "cut off", "offset 0x20");
    }

    @Test
    void modulesThatDoNotFitAreRefusedWithoutAVm() {
        byte[] image = aoutImage(MultibootHeader.FLAG_AOUT_KLUDGE);
        KernelLoadException e = assertThrows(
                KernelLoadException.class,
                () -> MultibootLoader.prepare(
                        MAP, "k", image, "k", List.of(new MultibootModule("big", new byte[(int) RAM]))));
        assertTrue(e.getMessage().contains("module 'big'"), e.getMessage());
    }

    private static void assertRefused(byte[] image, String problem, String where) {
        KernelLoadException e = assertThrows(
                KernelLoadException.class, () -> MultibootLoader.load(null, MAP, "k.img", image, "", List.of()));
        assertTrue(e.getMessage().startsWith("k.img") && e.getMessage().contains(problem), e.getMessage());
        assertTrue(e.getMessage().contains(where), e.getMessage());
    }

    private static String string(GuestMemory memory, int address) {
        StringBuilder text = new StringBuilder();
        for (long at = Integer.toUnsignedLong(address); memory.readByte(at) != 0; at++) {
            text.append((char) memory.readByte(at));
        }
        return text.toString();
    }
}
