package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class E820MapTest {
    @Test
    void smallGuestLowRamReservedBiosAreaThenRamToTheTop() {
        assertEquals(
                List.of(
                        new E820Entry(0, 0x9fc00, E820Entry.RAM),
                        new E820Entry(0x9fc00, 0x100000 - 0x9fc00, E820Entry.RESERVED),
                        new E820Entry(0x100000, (256L << 20) - 0x100000, E820Entry.RAM)),
                E820Map.forMemory(256L << 20).entries());
    }

    @Test
    void largeGuestRamResumesAtFourGibAndTheGapIsNotRam() {
        long size = 6L << 30;
        assertEquals(
                List.of(
                        new E820Entry(0, 0x9fc00, E820Entry.RAM),
                        new E820Entry(0x9fc00, 0x60400, E820Entry.RESERVED),
                        new E820Entry(0x100000, 0xC000_0000L - 0x100000, E820Entry.RAM),
                        new E820Entry(0x1_0000_0000L, size - 0xC000_0000L, E820Entry.RAM)),
                E820Map.forMemory(size).entries());
    }

    @Test
    void tinyGuestsGetOnlyWhatExists() {
        assertEquals(
                List.of(new E820Entry(0, 0x80000, E820Entry.RAM)),
                E820Map.forMemory(0x80000).entries());
        assertEquals(
                List.of(new E820Entry(0, 0x9fc00, E820Entry.RAM), new E820Entry(0x9fc00, 0x400, E820Entry.RESERVED)),
                E820Map.forMemory(0xA0000).entries());
    }
}
