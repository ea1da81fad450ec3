package io.vmm4j.devices.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StateReaderTest {
    @Test
    void readsBackWhatWasWritten() {
        byte[] state = new StateWriter()
                .u8(0xfe)
                .bool(true)
                .i32(-7)
                .i64(1L << 40)
                .blob(new byte[] {1, 2})
                .text("ok")
                .text(null)
                .toByteArray();
        StateReader in = StateReader.of("dev", 3, 3, state);
        assertEquals(0xfe, in.u8("a"));
        assertTrue(in.bool("b"));
        assertEquals(-7, in.i32("c"));
        assertEquals(1L << 40, in.i64("d"));
        assertArrayEquals(new byte[] {1, 2}, in.blob("e", 2));
        assertEquals("ok", in.text("f", 2));
        assertNull(in.text("g", 2));
        in.finish();
    }

    @Test
    void refusalsNameTheDeviceFieldAndOffset() {
        assertEquals(
                "dev state: version 4 is not supported (only 3)",
                assertThrows(IllegalArgumentException.class, () -> StateReader.of("dev", 3, 4, new byte[0]))
                        .getMessage());
        StateReader in = StateReader.of("dev", 1, 1, new byte[] {2, 0, 0, 0, 9, 1});
        assertEquals(
                "dev state, offset 0: flag is 2, not 0 or 1",
                assertThrows(IllegalArgumentException.class, () -> in.bool("flag"))
                        .getMessage());
        assertEquals(
                "dev state, offset 1: data has length 9, not 0 to 4",
                assertThrows(IllegalArgumentException.class, () -> in.blob("data", 4))
                        .getMessage());
        StateReader short_ = StateReader.of("dev", 1, 1, new byte[] {0, 0, 0, 3, 1});
        assertEquals(
                "dev state, offset 4: truncated: data needs 3 bytes, 1 left",
                assertThrows(IllegalArgumentException.class, () -> short_.blob("data", 4))
                        .getMessage());
        StateReader extra = StateReader.of("dev", 1, 1, new byte[] {0, 1});
        assertFalse(extra.bool("flag"));
        assertEquals(
                "dev state, offset 1: 1 bytes after the last field",
                assertThrows(IllegalArgumentException.class, extra::finish).getMessage());
    }
}
