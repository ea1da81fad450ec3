package io.vmm4j.arch.x86.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AmlTest {
    /** Decodes a PkgLength the way the AML grammar reads it (ACPI 6.5 §20.2.4). */
    static int decodePkgLength(byte[] encoded) {
        int lead = encoded[0] & 0xFF;
        int following = lead >>> 6;
        assertEquals(following + 1, encoded.length, "bytes announced by the lead byte");
        if (following == 0) {
            return lead & 0x3F;
        }
        assertEquals(0, lead & 0x30, "bits 5-4 of a multi-byte lead byte are reserved");
        int value = lead & 0x0F;
        for (int i = 1; i <= following; i++) {
            value |= (encoded[i] & 0xFF) << (4 + 8 * (i - 1));
        }
        return value;
    }

    private static void assertPkgLength(int bodyLength, int... expected) {
        byte[] encoded = Aml.pkgLength(bodyLength);
        assertArrayEquals(bytes(expected), encoded, "PkgLength for a body of " + bodyLength);
        assertEquals(bodyLength + encoded.length, decodePkgLength(encoded), "the length counts its own bytes");
    }

    @Test
    void pkgLengthUsesOneByteUpTo63() {
        assertPkgLength(0, 0x01);
        assertPkgLength(62, 0x3F); // total 63: the largest one-byte length
    }

    @Test
    void pkgLengthNeedsTwoBytesFrom64() {
        // A 63-byte body would make a total of 64, which one byte cannot hold; two bytes give 65.
        assertPkgLength(63, 0x41, 0x04);
        // Total 64 itself never occurs; check the two-byte form of it decodes too.
        assertEquals(64, decodePkgLength(bytes(0x40, 0x04)));
    }

    @Test
    void pkgLengthUsesTwoBytesUpTo4095AndThreeFrom4096() {
        assertPkgLength(4093, 0x4F, 0xFF); // total 4095 = 0xFFF: the largest two-byte length
        assertPkgLength(4094, 0x81, 0x00, 0x01); // total would be 4096 in two bytes; three give 4097
        assertEquals(4096, decodePkgLength(bytes(0x80, 0x00, 0x01)));
    }

    @Test
    void pkgLengthUsesFourBytesFromOneMebibyte() {
        assertPkgLength(0xFFFFF - 3, 0x8F, 0xFF, 0xFF); // total 0xFFFFF: the largest three-byte length
        assertPkgLength(0xFFFFF - 2, 0xC1, 0x00, 0x00, 0x01); // total 0x100001
        assertPkgLength(Aml.MAX_PKG_LENGTH - 4, 0xCF, 0xFF, 0xFF, 0xFF);
        assertThrows(IllegalArgumentException.class, () -> Aml.pkgLength(Aml.MAX_PKG_LENGTH - 3));
    }

    @Test
    void eisaIdCompressesPnp0501() {
        // 'P'=0x10, 'N'=0x0E, 'P'=0x10 -> 0x41D0 big-endian, then 0x05 0x01: bytes 41 D0 05 01.
        assertEquals(0x0105D041, Aml.eisaIdValue("PNP0501"));
        assertArrayEquals(bytes(0x0C, 0x41, 0xD0, 0x05, 0x01), Aml.eisaId("PNP0501"));
        assertEquals(0x060AD041, Aml.eisaIdValue("PNP0A06")); // hex digits: 0A 06
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("LNRO0005"));
        assertThrows(IllegalArgumentException.class, () -> Aml.eisaId("pnp0501"));
    }

    @Test
    void integersUseTheShortestEncoding() {
        assertArrayEquals(bytes(0x00), Aml.integer(0));
        assertArrayEquals(bytes(0x01), Aml.integer(1));
        assertArrayEquals(bytes(0x0A, 0x0F), Aml.integer(0x0F));
        assertArrayEquals(bytes(0x0A, 0xFF), Aml.integer(0xFF));
        assertArrayEquals(bytes(0x0B, 0x00, 0x01), Aml.integer(0x100));
        assertArrayEquals(bytes(0x0C, 0x00, 0x00, 0x01, 0x00), Aml.integer(0x10000));
        assertArrayEquals(bytes(0x0C, 0x00, 0x00, 0x00, 0xC0), Aml.integer(0xC000_0000L));
        assertArrayEquals(bytes(0x0E, 0, 0, 0, 0, 1, 0, 0, 0), Aml.integer(0x1_0000_0000L));
        assertArrayEquals(bytes(0x0E, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF), Aml.integer(-1));
    }

    @Test
    void stringsAreNullTerminated() {
        assertArrayEquals(bytes(0x0D, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00), Aml.string("LNRO0005"));
        assertThrows(IllegalArgumentException.class, () -> Aml.string("é"));
    }

    @Test
    void nameStringsPadSegmentsAndUsePrefixes() {
        assertArrayEquals(bytes('_', 'H', 'I', 'D'), Aml.nameString("_HID"));
        assertArrayEquals(bytes('\\', '_', 'S', 'B', '_'), Aml.nameString("\\_SB"));
        assertArrayEquals(bytes('\\', 0x2E, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'), Aml.nameString("\\_SB.COM1"));
        assertArrayEquals(
                bytes(0x2F, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'V', 'R', '0', '0'),
                Aml.nameString("_SB.PCI0.VR00"));
        assertArrayEquals(bytes('^', '^', 'A', '_', '_', '_'), Aml.nameString("^^A"));
        assertArrayEquals(bytes('\\', 0x00), Aml.nameString("\\"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("TOOLONG"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("1ABC"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString("com1"));
        assertThrows(IllegalArgumentException.class, () -> Aml.nameString(""));
    }

    @Test
    void nameScopeAndDeviceNest() {
        byte[] name = Aml.name("_UID", Aml.integer(0));
        assertArrayEquals(bytes(0x08, '_', 'U', 'I', 'D', 0x00), name);
        byte[] device = Aml.device("VR00", name);
        // ExtOpPrefix DeviceOp PkgLength(1 + 4 + 6 = 11) "VR00" name
        assertArrayEquals(Aml.concat(bytes(0x5B, 0x82, 11, 'V', 'R', '0', '0'), name), device);
        byte[] scope = Aml.scope("\\_SB", device);
        assertArrayEquals(Aml.concat(bytes(0x10, 1 + 5 + device.length, '\\', '_', 'S', 'B', '_'), device), scope);
    }

    @Test
    void packagesAndBuffersCountTheirContents() {
        assertArrayEquals(bytes(0x12, 0x05, 0x02, 0x0A, 0x05, 0x00), Aml.packageOf(Aml.integer(5), Aml.integer(0)));
        assertArrayEquals(bytes(0x11, 0x05, 0x0A, 0x02, 0xAA, 0xBB), Aml.buffer(bytes(0xAA, 0xBB)));
        byte[] big = Aml.buffer(new byte[5000]);
        // BufferOp, a 3-byte PkgLength, WordPrefix 5000, then the data
        assertEquals(1 + 3 + 3 + 5000, big.length);
        assertEquals(3 + 3 + 5000, decodePkgLength(java.util.Arrays.copyOfRange(big, 1, 4)));
    }

    @Test
    void resourceDescriptorsMatchTheSpecLayouts() {
        assertArrayEquals(bytes(0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x01, 0x08), Aml.io(0x3F8, 0x3F8, 1, 8));
        assertArrayEquals(
                bytes(0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x10, 0x00, 0x00),
                Aml.memory32Fixed(true, 0xC000_0000L, 0x1000));
        assertArrayEquals(
                bytes(0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00),
                Aml.interrupt(Aml.Trigger.EDGE, Aml.Polarity.ACTIVE_HIGH, Aml.Sharing.EXCLUSIVE, 5));
        assertArrayEquals(
                bytes(0x89, 0x06, 0x00, 0x0D, 0x01, 0x05, 0x00, 0x00, 0x00),
                Aml.interrupt(Aml.Trigger.LEVEL, Aml.Polarity.ACTIVE_LOW, Aml.Sharing.SHARED, 5));
        // Buffer holding the descriptor and the End Tag 79 00
        assertArrayEquals(
                bytes(0x11, 0x0D, 0x0A, 0x0A, 0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x79, 0x00),
                Aml.resourceTemplate(Aml.io(0x60, 0x60, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> Aml.memory32Fixed(true, 0x1_0000_0000L, 0x1000));
        // IRQNoFlags: tag 22, then the IRQ bit mask (IRQ 8 is bit 8)
        assertArrayEquals(bytes(0x22, 0x00, 0x01), Aml.irqNoFlags(8));
        assertArrayEquals(bytes(0x22, 0x11, 0x00), Aml.irqNoFlags(0, 4));
        assertThrows(IllegalArgumentException.class, () -> Aml.irqNoFlags(16));
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }
}
