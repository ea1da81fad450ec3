package io.vmm4j.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class I8042ControllerTest {
    private final AtomicInteger resets = new AtomicInteger();
    private final I8042Controller controller = new I8042Controller(resets::incrementAndGet);

    @Test
    void selfTestAnswers0x55ThroughTheOutputBuffer() {
        controller.write(4, 1, 0xAA);
        assertEquals(1, controller.read(4, 1) & 1, "output buffer full");
        assertEquals(0x55, controller.read(0, 1));
        assertEquals(0, controller.read(4, 1) & 1);
    }

    @Test
    void commandByteRoundTrips() {
        controller.write(4, 1, 0x60);
        controller.write(0, 1, 0x47);
        controller.write(4, 1, 0x20);
        assertEquals(0x47, controller.read(0, 1));
    }

    @Test
    void resetCommandAndOutputPortPulseBothResetTheCpu() {
        controller.write(4, 1, 0xFE);
        assertEquals(1, resets.get());
        controller.write(4, 1, 0xD1);
        controller.write(0, 1, 0x02); // reset line low
        assertEquals(2, resets.get());
        controller.write(4, 1, 0xAD); // disable keyboard: harmless
        assertEquals(2, resets.get());
    }

    @Test
    void stateKeepsAPendingCommandAndTheOutputBuffer() {
        controller.write(4, 1, 0xAA); // self-test answer waiting in the output buffer
        controller.write(4, 1, 0x60); // and a command byte write waiting for its data
        byte[] saved = controller.saveState();
        I8042Controller copy = new I8042Controller(() -> {});
        copy.restoreState(controller.stateVersion(), saved);
        assertArrayEquals(saved, copy.saveState());
        assertEquals(0x0d, copy.read(4, 1), "output full, system flag, last write a command");
        copy.write(0, 1, 0x21);
        copy.write(4, 1, 0x20);
        assertEquals(0x21, copy.read(0, 1), "the pending 0x60 took the data byte");

        byte[] badPending = saved.clone();
        badPending[5] = 0x10;
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> copy.restoreState(2, badPending));
        assertEquals("i8042 state, offset 2: pending command 0x10 takes no data byte", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> copy.restoreState(1, new byte[2]), "version 1");
    }
}
