package io.vmm4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.guests.BundledGuest;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vmm4j qemu} run in-process through {@link Main}, exactly as the launcher runs it. */
class QemuCliTest {
    /** The multiboot kernel writes 0x21 to isa-debug-exit when every check passes: (0x21 << 1) | 1. */
    private static final int PASS_STATUS = 67;

    private static final String MODULE_TEXT = "vmm4j-module-ok\nsecond line\n";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int qemu(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "qemu";
        System.arraycopy(args, 0, command, 1, args.length);
        return new Main(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8),
                        Kvm.DEFAULT_DEVICE)
                .run(command);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private Path kernel() throws IOException {
        return Files.write(dir.resolve("mbtest.elf"), BundledGuest.MULTIBOOT.image());
    }

    private Path module() throws IOException {
        return Files.writeString(dir.resolve("module.txt"), MODULE_TEXT);
    }

    @Test
    @RequiresKvm
    void multibootKernelRunsAsKvmUnitTestsRunsIt() throws IOException {
        Path kernel = kernel();
        Path module = module();
        int status = qemu(
                "-kernel",
                kernel.toString(),
                "-smp",
                "2",
                "-m",
                "64",
                "-append",
                "first second",
                "-initrd",
                module + " arg1",
                "-device",
                "isa-debug-exit,iobase=0xf4,iosize=0x4",
                "-serial",
                "stdio");
        String console = out();
        assertEquals(PASS_STATUS, status, "console:\n" + console + "\nstderr:\n" + err());
        assertTrue(console.contains("multiboot: magic=0x2badb002\n"), console);
        assertTrue(console.contains("fw_cfg: signature=QEMU ram=67108864 cpus=2\n"), console);
        assertTrue(console.contains("multiboot: mem_lower=639 mem_upper=64512\n"), console);
        assertTrue(console.contains("multiboot: cmdline=" + kernel + " first second\n"), console);
        assertTrue(
                console.contains("multiboot: mods=1 mod0=" + module + " arg1 size=" + MODULE_TEXT.length()
                        + " data=vmm4j-module-ok\n"),
                console);
        // vmm4j passes KVM's paravirt CPUID on, so the kernel bounds its waits by kvmclock (guests/README.md).
        assertTrue(console.contains("multiboot: clock=kvmclock\n"), console);
        assertTrue(console.contains("smp: bsp=0 aps=1\n"), console);
        assertTrue(console.contains("pc-testdev: absent\n"), console);
        assertTrue(console.endsWith("multiboot: PASS\n"), console);
        assertEquals("", err());
    }

    @Test
    @RequiresKvm
    void pcTestdevPortsAndTheRestOfTheHarnessOptions() throws IOException {
        int status = qemu(
                "--no-reboot",
                "-nodefaults",
                "-device",
                "pc-testdev",
                "-device",
                "isa-debug-exit,iobase=0xf4,iosize=0x4",
                "-vnc",
                "none",
                "-display",
                "none",
                "-vga",
                "none",
                "-chardev",
                "stdio,id=s0",
                "-serial",
                "chardev:s0",
                "-mon",
                "chardev=s0,mode=readline",
                "-machine",
                "accel=kvm",
                "-enable-kvm",
                "-name",
                "unit",
                "-cpu",
                "host,+x2apic,-pdpe1gb",
                "-smp",
                "4",
                "-m",
                "32M",
                "-kernel",
                kernel().toString(),
                "-initrd",
                module().toString());
        String console = out();
        assertEquals(PASS_STATUS, status, "console:\n" + console + "\nstderr:\n" + err());
        assertTrue(console.contains("pc-testdev: scratch=0xcafe5a0d\n"), console);
        assertTrue(console.contains("smp: bsp=0 aps=1,2,3\n"), console);
        assertTrue(console.contains("fw_cfg: signature=QEMU ram=33554432 cpus=4\n"), console);
    }

    @Test
    @RequiresKvm
    void withoutSerialStdioTheConsoleGoesNowhereButTheStatusStays() throws IOException {
        int status = qemu("-kernel", kernel().toString(), "-initrd", module().toString(), "-device", "isa-debug-exit");
        assertEquals(PASS_STATUS, status, err());
        assertEquals("", out());
    }

    @Test
    @RequiresKvm
    void memoryAboveTheMmioGapIsReportedLikeQemu() throws IOException {
        int status = qemu(
                "-kernel",
                kernel().toString(),
                "-m",
                "4G",
                "-serial",
                "stdio",
                "-device",
                "isa-debug-exit,iobase=0xf4,iosize=0x4",
                "-initrd",
                module().toString());
        String console = out();
        assertEquals(PASS_STATUS, status, "console:\n" + console + "\nstderr:\n" + err());
        assertTrue(console.contains("fw_cfg: signature=QEMU ram=4294967296 cpus=1\n"), console);
        // mem_upper counts the RAM from 1 MiB up to the MMIO gap at 3 GiB, as QEMU reports it.
        assertTrue(
                console.contains("multiboot: mem_lower=639 mem_upper=" + ((0xC000_0000L >> 10) - 1024) + "\n"),
                console);
    }

    @Test
    void unknownOptionFailsAtOnceWithOneLineNamingItAndTheSupportedOnes() {
        assertEquals(1, qemu("-kernel", "x.elf", "-hda", "disk.img"));
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(lines.get(0).contains("-hda: unsupported option"), err());
        assertTrue(lines.get(0).contains("-kernel") && lines.get(0).contains("-device"), err());
        assertEquals("", out());
    }

    @Test
    void pciTestdevIsRefusedUntilPciExists() {
        assertEquals(1, qemu("-device", "pci-testdev", "-kernel", "x.elf"));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains("pci-testdev") && err().contains("PCI"), err());
    }

    @Test
    void deviceListUsesQemusFormatThatHarnessesGrep() {
        assertEquals(0, qemu("-device", "?"));
        assertTrue(out().contains("name \"pc-testdev\", bus ISA\n"), out());
        assertTrue(out().contains("name \"isa-debug-exit\", bus ISA\n"), out());
        assertFalse(out().contains("pci-testdev"), "kvm-unit-tests adds -device pci-testdev if it is listed");
    }

    @Test
    void helpSaysWhatItIs() {
        assertEquals(0, qemu("--help"));
        assertTrue(out().contains("vmm4j's QEMU-compatible front end"), out());
        assertTrue(out().contains("QEMU"));
    }

    @Test
    void unsupportedValuesFailWithOneLine() {
        for (String[] args : List.of(
                new String[] {"-machine", "accel=tcg"},
                new String[] {"-M", "isapc"},
                new String[] {"-cpu", "host,+nosuchfeature"},
                new String[] {"-cpu", "pentium"},
                new String[] {"-m", "lots"},
                new String[] {"-serial", "pty"},
                new String[] {"-display", "gtk"})) {
            err.reset();
            String[] command = {args[0], args[1], "-kernel", "x.elf"};
            assertEquals(1, qemu(command), String.join(" ", args));
            assertEquals(1, err().lines().count(), err());
            assertTrue(err().contains(args[0]), err());
        }
    }

    @Test
    void malformedMultibootHeaderIsOneClearLine() throws IOException {
        ByteBuffer image = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        image.putInt(0x40, 0x1BADB002).putInt(0x44, 0x3).putInt(0x48, 0x12345678);
        Path bad = Files.write(dir.resolve("bad.elf"), image.array());
        assertEquals(1, qemu("-kernel", bad.toString(), "-device", "isa-debug-exit"));
        List<String> lines = err().lines().toList();
        assertEquals(1, lines.size(), err());
        assertTrue(
                lines.get(0).contains(bad.toString())
                        && lines.get(0).contains("offset 0x40")
                        && lines.get(0).contains("checksum"),
                lines.get(0));
    }

    @Test
    void aKernelWithoutMultibootHeaderIsRefused() throws IOException {
        Path plain = Files.write(dir.resolve("bzImage"), new byte[16384]);
        assertEquals(1, qemu("-kernel", plain.toString()));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains("not a multiboot kernel"), err());
    }

    @Test
    void missingKernelFileIsOneLineInQemusWords() {
        Path absent = dir.resolve("absent.elf");
        assertEquals(1, qemu("-kernel", absent.toString()));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains("could not load kernel '" + absent + "': No such file or directory"), err());
    }

    @Test
    @RequiresKvm
    void missingInitrdModuleIsOneLineNamingIt() throws IOException {
        Path absent = dir.resolve("environ");
        assertEquals(1, qemu("-kernel", kernel().toString(), "-initrd", absent.toString()));
        assertEquals(1, err().lines().count(), err());
        assertTrue(
                err().contains("could not load multiboot module '" + absent + "' (-initrd): No such file or directory"),
                err());
    }

    @Test
    void cpuHelpListsModelsAndQemusFeatureNames() {
        assertEquals(0, qemu("-cpu", "help"));
        assertTrue(out().contains("  qemu64\n") && out().contains("  max\n") && out().contains("  host\n"), out());
        assertTrue(out().contains("  tsc-deadline\n") && out().contains("  x2apic\n"), out());
    }

    @Test
    void aMissingModuleOrSerialDirectoryIsOneLineBeforeKvmIsOpened() throws IOException {
        Path kernel = kernel();
        Path absent = dir.resolve("absent-module.txt");
        assertEquals(1, qemu("-kernel", kernel.toString(), "-initrd", absent + " arg"));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains(absent.toString()) && !err().contains("KVM"), err());
        err.reset();
        Path log = dir.resolve("no-such-directory").resolve("serial.log");
        assertEquals(1, qemu("-kernel", kernel.toString(), "-serial", "file:" + log));
        assertEquals(1, err().lines().count(), err());
        assertTrue(err().contains(log + ": No such file or directory") && !err().contains("KVM"), err());
    }
}
