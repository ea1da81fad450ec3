package io.vmm4j.cli.qemu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QemuOptionParserTest {
    private static QemuOptions parse(String... args) throws QemuUsageException {
        List<String> list = new java.util.ArrayList<>(List.of("-kernel", "k.elf"));
        list.addAll(List.of(args));
        return QemuOptionParser.parse(list);
    }

    @Test
    void memorySizesAsQemuWritesThem() throws QemuUsageException {
        assertEquals(64L << 20, QemuOptionParser.memory("64"));
        assertEquals(64L << 20, QemuOptionParser.memory("64M"));
        assertEquals(1L << 30, QemuOptionParser.memory("1G"));
        assertEquals(256L << 20, QemuOptionParser.memory("size=256m"));
        assertEquals(128L << 20, parse().memorySize, "QEMU's default");
        assertEquals(4L << 30, QemuOptionParser.memory("4G"), "above the MMIO gap since RAM may be split");
        assertThrows(QemuUsageException.class, () -> QemuOptionParser.memory("2T"));
        assertThrows(QemuUsageException.class, () -> QemuOptionParser.memory("1M"));
        assertThrows(QemuUsageException.class, () -> QemuOptionParser.memory("64,maxmem=1G"));
    }

    @Test
    void smpForms() throws QemuUsageException {
        assertEquals(2, parse("-smp", "2").cpus);
        QemuOptions options = parse("-smp", "cpus=2,maxcpus=8");
        assertEquals(2, options.cpus);
        assertEquals(8, options.maxCpusOrCpus());
        assertEquals(4, parse("-smp", "sockets=2,cores=2").cpus);
        assertThrows(QemuUsageException.class, () -> parse("-smp", "4,maxcpus=2"));
        assertThrows(QemuUsageException.class, () -> parse("-smp", "0"));
    }

    @Test
    void cpuFeatureForms() throws QemuUsageException {
        QemuOptions options = parse("-cpu", "host,+x2apic,-hypervisor,tsc_deadline=on,pdpe1gb=off");
        assertEquals(Map.of("x2apic", true, "hypervisor", false, "tsc-deadline", true, "pdpe1gb", false),
                options.cpuFeatures);
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> parse("-cpu", "max,+warp-drive"));
        assertTrue(e.getMessage().contains("warp-drive") && e.getMessage().contains("x2apic"), e.getMessage());
    }

    @Test
    void doubleDashFormsAndSerialDestinations() throws QemuUsageException {
        QemuOptions options = parse("--no-reboot", "--nographic");
        assertTrue(options.noReboot);
        assertEquals(QemuOptions.SerialSink.STDIO, options.effectiveSerial(), "-nographic puts COM1 on stdio");
        assertEquals(QemuOptions.SerialSink.NONE, parse().effectiveSerial(), "QEMU's default 'vc' shows nothing");
        assertEquals(QemuOptions.SerialSink.NONE, parse("-nographic", "-serial", "none").effectiveSerial());
    }

    @Test
    void debugExitPortsAndDeviceList() throws QemuUsageException {
        QemuOptions options = parse("-device", "isa-debug-exit,iobase=0x501,iosize=2");
        assertEquals(0x501, options.debugExitBase.getAsInt());
        assertEquals(2, options.debugExitSize);
        assertTrue(QemuOptionParser.parse(List.of("-device", "?")).listDevices, "no -kernel needed to list");
        assertThrows(QemuUsageException.class, () -> parse("-device", "isa-debug-exit,iobase=0xfffe,iosize=4"));
    }

    @Test
    void initrdItemsSplitOnCommasWithDoubledCommasLiteral() {
        assertEquals(List.of("/a/env arg1", "/b/two", "/c/x,y"), QemuOptionParser.moduleItems("/a/env arg1,/b/two,/c/x,,y"));
    }

    @Test
    void aKernelIsRequired() {
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> QemuOptionParser.parse(List.of("-m", "64")));
        assertTrue(e.getMessage().startsWith("-kernel"), e.getMessage());
    }
}
