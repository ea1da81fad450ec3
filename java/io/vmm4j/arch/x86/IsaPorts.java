package io.vmm4j.arch.x86;

/** The legacy ISA port and interrupt assignments of a PC. */
public final class IsaPorts {
    public static final int COM1 = 0x3f8;
    public static final int COM2 = 0x2f8;
    public static final int COM3 = 0x3e8;
    public static final int COM4 = 0x2e8;
    public static final int COM1_IRQ = 4;
    public static final int COM2_IRQ = 3;
    public static final int I8042_DATA = 0x60;
    public static final int I8042_COMMAND = 0x64;
    public static final int RTC_INDEX = 0x70;
    public static final int RTC_IRQ = 8;
    public static final int POST_CODE = 0x80;

    private IsaPorts() {}

    /** The interrupt of a standard serial port, or -1 for any other base. */
    public static int serialIrq(int basePort) {
        return switch (basePort) {
            case COM1, COM3 -> COM1_IRQ;
            case COM2, COM4 -> COM2_IRQ;
            default -> -1;
        };
    }
}
