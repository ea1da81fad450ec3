package io.vmm4j.devices.legacy;

import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.state.StateWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The MC146818 CMOS real-time clock and its 128 bytes of RAM, on ports 0x70 (index) and 0x71
 * (data). The time registers read the host clock in UTC, in BCD and 24-hour mode as a PC BIOS
 * leaves them; a guest that sets the time moves an offset, not the host clock.
 */
public final class CmosRtc implements IoDevice, StatefulDevice {
    public static final int BASE_PORT = 0x70;
    public static final int PORT_COUNT = 2;

    /** The CMOS index of the century register, as the ACPI FADT's CENTURY field names it. */
    public static final int CENTURY = 0x32;

    private static final int SECONDS = 0x00,
            MINUTES = 0x02,
            HOURS = 0x04,
            WEEKDAY = 0x06,
            DAY = 0x07,
            MONTH = 0x08,
            YEAR = 0x09,
            STATUS_A = 0x0A,
            STATUS_B = 0x0B,
            STATUS_C = 0x0C,
            STATUS_D = 0x0D;
    private static final int STATUS_A_DIVIDER_32KHZ = 0x26; // UIP clear: the time is always readable
    private static final int STATUS_B_24_HOUR = 0x02;
    private static final int STATUS_B_BINARY = 0x04;
    private static final int STATUS_D_VALID_RAM = 0x80;

    private final Clock clock;
    private final byte[] ram = new byte[128];
    private int index;
    private Duration offset = Duration.ZERO;

    public CmosRtc(Clock clock) {
        this.clock = clock;
        ram[STATUS_A] = STATUS_A_DIVIDER_32KHZ;
        ram[STATUS_B] = STATUS_B_24_HOUR;
        ram[STATUS_D] = (byte) STATUS_D_VALID_RAM;
    }

    public CmosRtc() {
        this(Clock.systemUTC());
    }

    @Override
    public long read(long port, int size) {
        if (port == 0) return index;
        return switch (index) {
            case SECONDS, MINUTES, HOURS, WEEKDAY, DAY, MONTH, YEAR, CENTURY -> encode(timeField(now(), index));
            case STATUS_C -> 0; // no periodic, alarm or update interrupts are raised
            default -> ram[index] & 0xff;
        };
    }

    @Override
    public void write(long port, int size, long value) {
        int byteValue = (int) (value & 0xff);
        if (port == 0) {
            index = byteValue & 0x7f; // bit 7 is the NMI mask, not part of the index
            return;
        }
        switch (index) {
            case SECONDS, MINUTES, HOURS, DAY, MONTH, YEAR, CENTURY -> setTimeField(index, decode(byteValue));
            case STATUS_C, STATUS_D -> {} // read-only
            case STATUS_A -> ram[index] = (byte) (byteValue & 0x7f); // UIP is read-only
            default -> ram[index] = (byte) byteValue;
        }
    }

    private ZonedDateTime now() {
        return ZonedDateTime.now(clock).plus(offset).withZoneSameInstant(ZoneOffset.UTC);
    }

    private static int timeField(ZonedDateTime time, int register) {
        return switch (register) {
            case SECONDS -> time.getSecond();
            case MINUTES -> time.getMinute();
            case HOURS -> time.getHour();
            case WEEKDAY -> time.getDayOfWeek().getValue() % 7 + 1; // 1 = Sunday
            case DAY -> time.getDayOfMonth();
            case MONTH -> time.getMonthValue();
            case YEAR -> time.getYear() % 100;
            default -> time.getYear() / 100; // CENTURY
        };
    }

    private void setTimeField(int register, int value) {
        ZonedDateTime current = now();
        ZonedDateTime wanted;
        try {
            wanted = switch (register) {
                case SECONDS -> current.withSecond(value);
                case MINUTES -> current.withMinute(value);
                case HOURS -> current.withHour(value);
                case DAY -> current.withDayOfMonth(value);
                case MONTH -> current.withMonth(value);
                case YEAR -> current.withYear(current.getYear() / 100 * 100 + value);
                default -> current.withYear(value * 100 + current.getYear() % 100);
            };
        } catch (java.time.DateTimeException e) {
            return; // a guest writing an impossible date field changes nothing
        }
        offset = offset.plus(Duration.between(current, wanted));
    }

    private boolean binaryMode() {
        return (ram[STATUS_B] & STATUS_B_BINARY) != 0;
    }

    private int encode(int value) {
        return binaryMode() ? value : (value / 10) << 4 | value % 10;
    }

    private int decode(int value) {
        return binaryMode() ? value : (value >> 4) * 10 + (value & 0x0f);
    }

    @Override
    public int stateVersion() {
        return 1;
    }

    @Override
    public byte[] saveState() {
        StateWriter out = new StateWriter();
        for (byte b : ram) out.u8(b);
        return out.u8(index).i64(offset.toMillis()).toByteArray();
    }

    @Override
    public void restoreState(int version, byte[] state) {
        StateReader in = StateReader.of("CMOS RTC", 1, version, state);
        byte[] savedRam = new byte[ram.length];
        for (int i = 0; i < ram.length; i++) savedRam[i] = (byte) in.u8("RAM byte " + i);
        int at = in.offset();
        int savedIndex = in.u8("index");
        if (savedIndex > 0x7f) throw in.refuse(at, "index 0x" + Integer.toHexString(savedIndex) + " is not 7-bit");
        long savedOffset = in.i64("offset in milliseconds");
        in.finish();
        System.arraycopy(savedRam, 0, ram, 0, ram.length);
        index = savedIndex;
        offset = Duration.ofMillis(savedOffset);
    }
}
