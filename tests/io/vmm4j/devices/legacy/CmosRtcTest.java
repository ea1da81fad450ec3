package io.vmm4j.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CmosRtcTest {
    // Tuesday 2026-11-24 23:59:58 UTC
    private final CmosRtc rtc = new CmosRtc(Clock.fixed(Instant.parse("2026-11-24T23:59:58Z"), ZoneOffset.UTC));

    private int readRegister(int index) {
        rtc.write(0, 1, index);
        return (int) rtc.read(1, 1);
    }

    @Test
    void timeReadsInBcdAnd24HourMode() {
        assertEquals(0x58, readRegister(0x00));
        assertEquals(0x59, readRegister(0x02));
        assertEquals(0x23, readRegister(0x04));
        assertEquals(3, readRegister(0x06), "Tuesday, with Sunday as 1");
        assertEquals(0x24, readRegister(0x07));
        assertEquals(0x11, readRegister(0x08));
        assertEquals(0x26, readRegister(0x09));
        assertEquals(0x20, readRegister(0x32));
        assertEquals(0, readRegister(0x0A) & 0x80, "update never in progress");
        assertEquals(0x80, readRegister(0x0D), "RAM and time valid");
    }

    @Test
    void binaryModeAndTheNmiBitOfTheIndex() {
        rtc.write(0, 1, 0x0B);
        rtc.write(1, 1, 0x06); // 24 h, binary
        assertEquals(58, readRegister(0x80)); // index 0 with NMI disabled
    }

    @Test
    void guestSetTimeMovesAnOffsetAndSurvivesASnapshot() {
        rtc.write(0, 1, 0x04);
        rtc.write(1, 1, 0x10); // 10 o'clock, BCD
        assertEquals(0x10, readRegister(0x04));
        rtc.write(0, 1, 0x40);
        rtc.write(1, 1, 0xAB); // CMOS RAM byte
        CmosRtc copy = new CmosRtc(Clock.fixed(Instant.parse("2026-11-24T23:59:58Z"), ZoneOffset.UTC));
        copy.restoreState(rtc.stateVersion(), rtc.saveState());
        assertArrayEquals(rtc.saveState(), copy.saveState());
        copy.write(0, 1, 0x04);
        assertEquals(0x10, copy.read(1, 1));
        assertThrows(IllegalArgumentException.class, () -> copy.restoreState(1, new byte[3]));
    }

    /** What Linux's rtc-cmos does at probe: the checks it makes and the writes it does first. */
    @Test
    void linuxRtcCmosProbeSequence() {
        assertEquals(0, readRegister(0x0D) & 0x40, "register D bit 6 clear: the RTC is accessible");
        rtc.write(0, 1, 0x0A);
        rtc.write(1, 1, 0x26); // 32 kHz time base, 1024 Hz periodic rate
        int control = readRegister(0x0B);
        rtc.write(0, 1, 0x0B);
        rtc.write(1, 1, control & ~0x70); // PIE, AIE and UIE off
        assertEquals(0, readRegister(0x0C), "no interrupt flags pending");
        assertEquals(0x02, readRegister(0x0B) & 0x02, "24-hour mode, which rtc-cmos requires");
        assertEquals(0x26, readRegister(0x0A));
        assertEquals(0x20, readRegister(CmosRtc.CENTURY), "the century the FADT points at");
    }

    @Test
    void theDefaultClockIsTheHostsUtcTime() {
        CmosRtc host = new CmosRtc();
        java.time.ZonedDateTime before = java.time.ZonedDateTime.now(ZoneOffset.UTC);
        host.write(0, 1, 0x04);
        int hours = (int) host.read(1, 1);
        java.time.ZonedDateTime after = java.time.ZonedDateTime.now(ZoneOffset.UTC);
        int decoded = (hours >> 4) * 10 + (hours & 0xf);
        org.junit.jupiter.api.Assertions.assertTrue(
                decoded == before.getHour() || decoded == after.getHour(),
                "RTC hour " + decoded + " is the host's UTC hour " + before.getHour());
    }
}
