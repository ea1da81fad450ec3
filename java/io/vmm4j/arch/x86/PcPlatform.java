package io.vmm4j.arch.x86;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.SerialPort;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.devices.legacy.CmosRtc;
import io.vmm4j.devices.legacy.I8042Controller;
import java.io.OutputStream;

/**
 * The legacy devices an x86 operating system expects, as in a microVM: COM1 (native 16550A on
 * IRQ 4), the i8042 for reboot, the CMOS RTC, and the POST-code port that Linux writes for I/O
 * delays (absorbed natively so it costs no upcall). The PIC, PIT and IOAPIC are in the kernel.
 */
public final class PcPlatform {
    /** COM1's device name: the console. */
    public static final String CONSOLE = "com1";

    private PcPlatform() {}

    /** Installs the devices on a CREATED VM with the irqchip; returns COM1. */
    public static SerialPort install(VirtualMachine vm, OutputStream console) {
        if (!vm.config().irqchip()) {
            throw new IllegalArgumentException("the PC platform needs the in-kernel irqchip (VmConfig.irqchip)");
        }
        SerialPort com1 = vm.addSerialPort(CONSOLE, IsaPorts.COM1, IsaPorts.COM1_IRQ, console);
        vm.addIoDevice(
                "i8042",
                AddressSpace.PIO,
                I8042Controller.BASE_PORT,
                I8042Controller.PORT_COUNT,
                I8042Controller.resetting(vm));
        vm.addIoDevice("rtc", AddressSpace.PIO, CmosRtc.BASE_PORT, CmosRtc.PORT_COUNT, new CmosRtc());
        vm.addNullDevice("post-code", AddressSpace.PIO, IsaPorts.POST_CODE, 1);
        return com1;
    }
}
