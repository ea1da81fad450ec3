package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.boot.LinuxBootSetup.BootOptions;
import io.vmm4j.kvm.Kvm;
import io.vmm4j.testing.RequiresKvm;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Enters hand-assembled stand-ins for a kernel with the state LinuxBootSetup computes. */
@RequiresKvm
class LinuxBootSetupKvmTest {
    private static final long ENTRY = 0x100_0000;
    private static final long HIGH_MAILBOX = 0x0ff0_0000; // near the top of 256 MiB: paging must map it

    // movabs rax, 0x1122334455667788; mov [HIGH_MAILBOX], rax; mov eax, [rsi + 0x202] ("HdrS");
    // mov dx, 0x3f8; out dx, al; 3 x (shr eax, 8; out dx, al); hlt
    private static final byte[] LONG_MODE_CODE = {
        0x48,
        (byte) 0xb8,
        (byte) 0x88,
        0x77,
        0x66,
        0x55,
        0x44,
        0x33,
        0x22,
        0x11,
        0x48,
        (byte) 0x89,
        0x04,
        0x25,
        0x00,
        0x00,
        (byte) 0xf0,
        0x0f,
        (byte) 0x8b,
        (byte) 0x86,
        0x02,
        0x02,
        0x00,
        0x00,
        0x66,
        (byte) 0xba,
        (byte) 0xf8,
        0x03,
        (byte) 0xee,
        (byte) 0xc1,
        (byte) 0xe8,
        0x08,
        (byte) 0xee,
        (byte) 0xc1,
        (byte) 0xe8,
        0x08,
        (byte) 0xee,
        (byte) 0xc1,
        (byte) 0xe8,
        0x08,
        (byte) 0xee,
        (byte) 0xf4,
    };

    // mov eax, [ebx] (the start_info magic); mov dx, 0x3f8; out dx, al; 3 x (shr eax, 8; out dx, al); hlt
    private static final byte[] PVH_CODE = {
        (byte) 0x8b,
        0x03,
        0x66,
        (byte) 0xba,
        (byte) 0xf8,
        0x03,
        (byte) 0xee,
        (byte) 0xc1,
        (byte) 0xe8,
        0x08,
        (byte) 0xee,
        (byte) 0xc1,
        (byte) 0xe8,
        0x08,
        (byte) 0xee,
        (byte) 0xc1,
        (byte) 0xe8,
        0x08,
        (byte) 0xee,
        (byte) 0xf4,
    };

    private static byte[] run(byte[] code, LoadedKernel kernel) throws InterruptedException {
        try (Hypervisor kvm = Kvm.open();
                VirtualMachine vm =
                        kvm.createVm(VmConfig.builder().memoryMiB(256).build())) {
            ByteArrayOutputStream console = new ByteArrayOutputStream();
            vm.addSerialPort("com1", 0x3f8, console);
            vm.memory().write(ENTRY, code);
            LinuxBootSetup.prepare(vm.memory(), kernel, BootOptions.of(CommandLine.of("console=ttyS0")))
                    .applyTo(vm.createVcpu(0));
            vm.start();
            StopReason reason = vm.awaitStop(Duration.ofSeconds(20)).orElseThrow();
            assertEquals(StopReason.Kind.HALTED, reason.kind(), reason.toString());
            if (kernel.protocol() == BootProtocol.LINUX_64) {
                assertEquals(
                        0x1122334455667788L,
                        vm.memory().readLong(HIGH_MAILBOX),
                        "a 64-bit store through the identity map");
            }
            synchronized (console) {
                return console.toByteArray();
            }
        }
    }

    @Test
    void theLinux64StateRunsLongModeCodeWithRsiAtTheZeroPage() throws InterruptedException {
        LoadedKernel kernel = new LoadedKernel(
                BootProtocol.LINUX_64,
                ENTRY,
                ENTRY,
                ENTRY + 0x1000,
                ENTRY + 0x1000,
                SetupHeader.forElfKernel(),
                OptionalLong.empty());
        assertArrayEquals("HdrS".getBytes(), run(LONG_MODE_CODE, kernel));
    }

    @Test
    void thePvhStateRunsProtectedModeCodeWithEbxAtStartInfo() throws InterruptedException {
        LoadedKernel kernel = new LoadedKernel(
                BootProtocol.PVH,
                ENTRY,
                ENTRY,
                ENTRY + 0x1000,
                ENTRY + 0x1000,
                SetupHeader.forElfKernel(),
                OptionalLong.of(ENTRY));
        byte[] out = run(PVH_CODE, kernel);
        assertTrue(out.length == 4, "4 bytes of magic expected, got " + out.length);
        assertArrayEquals(new byte[] {0x78, (byte) 0xc5, 0x6e, 0x33}, out, "0x336ec578, little-endian");
    }
}
