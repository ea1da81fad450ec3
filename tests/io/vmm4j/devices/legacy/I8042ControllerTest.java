package io.vmm4j.devices.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
