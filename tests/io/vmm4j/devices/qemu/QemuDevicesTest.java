package io.vmm4j.devices.qemu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class QemuDevicesTest {
    private static final long RAM = 64L << 20;

    private static long item(FwCfg fwCfg, int key, int bytes) {
        fwCfg.write(0, 2, key);
        long value = 0;
        for (int i = 0; i < bytes; i++) value |= fwCfg.read(1, 1) << (8 * i);
        return value;
    }

    @Test
    void fwCfgItemsAsKvmUnitTestsReadsThem() {
        FwCfg fwCfg = FwCfg.forPc(RAM, 2, 4, E820Map.forMemory(RAM), false);
        assertEquals(0x554d4551L, item(fwCfg, FwCfg.SIGNATURE, 4), "QEMU");
        assertEquals(1, item(fwCfg, FwCfg.ID, 4), "traditional interface, no DMA");
        assertEquals(RAM, item(fwCfg, FwCfg.RAM_SIZE, 8));
        assertEquals(2, item(fwCfg, FwCfg.NB_CPUS, 2));
        assertEquals(4, item(fwCfg, FwCfg.MAX_CPUS, 2));
        assertEquals(0, item(fwCfg, 0x1234, 8), "unknown keys read as zeros");
        assertEquals(0, fwCfg.read(1, 1), "still zeros");
        assertEquals(2, item(fwCfg, FwCfg.NB_CPUS, 3) & 0xffff, "past the end: zeros");
        assertEquals(0, item(fwCfg, FwCfg.NB_CPUS, 3) >> 16);
    }

    @Test
    void fwCfgSelectorRewindsAndWideReadsAreBigEndianAsOnQemu() {
        FwCfg fwCfg = FwCfg.forPc(RAM, 1, 1, E820Map.forMemory(RAM), false);
        fwCfg.write(0, 2, FwCfg.SIGNATURE);
        assertEquals('Q', fwCfg.read(1, 1));
        fwCfg.write(0, 2, FwCfg.SIGNATURE);
        assertEquals(('Q' << 8) | 'E', fwCfg.read(1, 2));
    }

    @Test
    void fwCfgE820TableMatchesTheMemoryMap() {
        E820Map map = E820Map.forMemory(RAM);
        FwCfg fwCfg = FwCfg.forPc(RAM, 1, 1, map, false);
        fwCfg.write(0, 2, FwCfg.E820_TABLE);
        byte[] table = new byte[4 + 20 * map.entries().size()];
        for (int i = 0; i < table.length; i++) table[i] = (byte) fwCfg.read(1, 1);
        ByteBuffer data = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(map.entries().size(), data.getInt());
        for (E820Entry entry : map.entries()) {
            assertEquals(entry, new E820Entry(data.getLong(), data.getLong(), data.getInt()));
        }
        assertEquals(RAM, map.entries().get(map.entries().size() - 1).end());
        assertEquals(0, map.entries().get(0).address(), "page 0 is RAM");
    }

    @Test
    void isaDebugExitReportsTheValueAndQemusStatus() {
        AtomicLong value = new AtomicLong(-1);
        IsaDebugExit device = new IsaDebugExit(value::set);
        device.write(0, 4, 0x21);
        assertEquals(0x21, value.get());
        assertEquals(67, IsaDebugExit.exitStatus(0x21));
        assertEquals(1, IsaDebugExit.exitStatus(0));
        device.write(0, 1, 0x1ff);
        assertEquals(0xff, value.get(), "only the bytes written");
    }

    @Test
    void pcTestdevScratchRegisterByteLanes() {
        PcTestdev testdev = new PcTestdev((line, level) -> {});
        IoDevice port = testdev.scratchPort();
        port.write(0, 4, 0x12345678);
        assertEquals(0x12345678L, port.read(0, 4));
        assertEquals(0x56L, port.read(1, 1));
        assertEquals(0x1234L, port.read(2, 2));
        port.write(1, 1, 0xAA);
        assertEquals(0x1234AA78L, port.read(0, 4));
        IoDevice bytePort = testdev.scratchPort();
        assertEquals(0x1234AA78L, bytePort.read(0, 4), "0xe0 and 0xe8 share the register");
        // rep outsl: one call per element; the last wins. rep insl: the same value each time.
        for (int value : new int[] {0x11111111, 0xCAFEF00D}) port.write(0, 4, value);
        assertEquals(0xCAFEF00DL, port.read(0, 4));
        assertEquals(0xCAFEF00DL, port.read(0, 4));
    }

    @Test
    void pcTestdevIrqLinesAndIomem() {
        List<String> levels = new ArrayList<>();
        PcTestdev testdev = new PcTestdev((line, level) -> levels.add(line + "=" + level));
        IoDevice irq = testdev.irqLinePorts();
        irq.write(10, 1, 1);
        irq.write(10, 1, 0);
        irq.write(23, 1, 0x80);
        assertEquals(List.of("10=true", "10=false", "23=true"), levels);
        testdev.flushPagePort().write(0, 4, 0x1000); // accepted and ignored

        IoDevice iomem = testdev.iomem();
        iomem.write(0x10, 4, 0xA5A5F00DL);
        assertEquals(0xA5A5F00DL, iomem.read(0x10, 4));
        assertEquals(0xF00DL, iomem.read(0x10, 2));
        iomem.write(PcTestdev.IOMEM_LENGTH - 8, 8, 0x0102030405060708L);
        assertEquals(0x0102030405060708L, iomem.read(PcTestdev.IOMEM_LENGTH - 8, 8));
    }

    @Test
    void fwCfgStateResumesAReadHalfWayThroughAnItem() {
        FwCfg fwCfg = FwCfg.forPc(RAM, 2, 4, E820Map.forMemory(RAM), false);
        fwCfg.write(0, 2, FwCfg.SIGNATURE);
        assertEquals('Q', fwCfg.read(1, 1));
        byte[] saved = fwCfg.saveState();
        FwCfg copy = FwCfg.forPc(RAM, 2, 4, E820Map.forMemory(RAM), false);
        copy.restoreState(fwCfg.stateVersion(), saved);
        assertArrayEquals(saved, copy.saveState());
        assertEquals('E', copy.read(1, 1), "the read goes on at the saved position");
        assertEquals('E', fwCfg.read(1, 1));
        assertEquals(fwCfg.read(1, 2), copy.read(1, 2));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> copy.restoreState(2, saved));
        assertEquals("fw_cfg state: version 2 is not supported (only 1)", e.getMessage());
        byte[] pastTheEnd = saved.clone();
        pastTheEnd[7] = 5; // position 5 of the 4-byte signature
        e = assertThrows(IllegalArgumentException.class, () -> copy.restoreState(1, pastTheEnd));
        assertTrue(e.getMessage().startsWith("fw_cfg state, offset 4: position 5 is outside item 0x0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> copy.restoreState(1, new byte[6]));
        assertEquals("fw_cfg state, offset 4: truncated: position needs 4 bytes, 2 left", e.getMessage());
    }

    @Test
    void pcTestdevStateCoversScratchAndIomem() {
        PcTestdev testdev = new PcTestdev((line, level) -> {});
        testdev.scratchPort().write(0, 4, 0x12345678);
        testdev.iomem().write(0x20, 8, 0x0102030405060708L);
        PcTestdev copy = new PcTestdev((line, level) -> {});
        for (var pair : List.of(
                new IoDevice[] {testdev.scratchPort(), copy.scratchPort()},
                new IoDevice[] {testdev.iomem(), copy.iomem()})) {
            StatefulDevice from = (StatefulDevice) pair[0], to = (StatefulDevice) pair[1];
            to.restoreState(from.stateVersion(), from.saveState());
            assertArrayEquals(from.saveState(), to.saveState());
        }
        assertEquals(0x12345678L, copy.scratchPort().read(0, 4));
        assertEquals(0x0102030405060708L, copy.iomem().read(0x20, 8));
        StatefulDevice iomem = (StatefulDevice) copy.iomem();
        byte[] shortIomem = new byte[] {0, 0, 0, 1, 7};
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> iomem.restoreState(1, shortIomem));
        assertEquals("pc-testdev iomem state, offset 0: iomem has 1 bytes, not 65536", e.getMessage());
    }
}
