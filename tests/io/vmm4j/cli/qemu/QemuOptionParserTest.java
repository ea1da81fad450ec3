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
        assertEquals(
                Map.of("x2apic", true, "hypervisor", false, "tsc-deadline", true, "pdpe1gb", false),
                options.cpuFeatures);
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> parse("-cpu", "max,+warp-drive"));
        assertTrue(e.getMessage().contains("warp-drive") && e.getMessage().contains("x2apic"), e.getMessage());
    }

    @Test
    void cpuModelsAsQemuNamesThem() throws QemuUsageException {
        assertEquals("qemu64", parse().cpuModel, "QEMU's default for its pc machine");
        QemuOptions options = parse("-cpu", "qemu64,-x2apic,+tsc-deadline");
        assertEquals("qemu64", options.cpuModel);
        assertEquals(Map.of("x2apic", false, "tsc-deadline", true), options.cpuFeatures);
        assertEquals("max", parse("-cpu", "max").cpuModel);
        assertEquals("kvm64", parse("-cpu", "kvm64,+rdtscp").cpuModel);
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> parse("-cpu", "Haswell"));
        assertTrue(e.getMessage().contains("Haswell") && e.getMessage().contains("qemu64"), e.getMessage());
        e = assertThrows(QemuUsageException.class, () -> parse("-cpu", "max,vendor=GenuineIntel"));
        assertTrue(e.getMessage().contains("vendor=GenuineIntel"), e.getMessage());
        assertTrue(QemuOptionParser.parse(List.of("-cpu", "help")).listCpus, "no -kernel needed to list");
    }

    @Test
    void pitOptions() throws QemuUsageException {
        assertEquals(io.vmm4j.api.VmConfig.Pit.REINJECT, parse().pitMode(), "KVM's and QEMU's default: delay");
        assertEquals(
                io.vmm4j.api.VmConfig.Pit.DISCARD,
                parse("-global", "kvm-pit.lost_tick_policy=discard").pitMode());
        assertEquals(
                io.vmm4j.api.VmConfig.Pit.DISCARD,
                parse("-global", "driver=kvm-pit,property=lost_tick_policy,value=discard")
                        .pitMode());
        assertEquals(
                io.vmm4j.api.VmConfig.Pit.NONE,
                parse("-global", "kvm-pit.lost_tick_policy=discard", "-machine", "pit=off")
                        .pitMode());
        assertEquals(
                io.vmm4j.api.VmConfig.Pit.REINJECT,
                parse("-M", "q35,pit=on,accel=kvm").pitMode());
        assertThrows(QemuUsageException.class, () -> parse("-global", "kvm-pit.lost_tick_policy=slew"));
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> parse("-global", "isa-fdc.driveA=x"));
        assertTrue(
                e.getMessage().contains("isa-fdc.driveA=x") && e.getMessage().contains("kvm-pit.lost_tick_policy"),
                e.getMessage());
        assertThrows(QemuUsageException.class, () -> parse("-machine", "pit=maybe"));
    }

    @Test
    void smpAboveTheMaximumIsWordedAsQemuWordsIt() {
        QemuUsageException e = assertThrows(QemuUsageException.class, () -> parse("-M", "q35", "-smp", "300"));
        assertEquals("Invalid SMP CPUs 300. The max CPUs supported by machine 'q35' is 255", e.getMessage());
        e = assertThrows(QemuUsageException.class, () -> parse("-smp", "2,maxcpus=256"));
        assertTrue(e.getMessage().startsWith("Invalid SMP CPUs 256."), e.getMessage());
    }

    @Test
    void overcommitIsAcceptedAndIgnored() throws QemuUsageException {
        assertEquals(1, parse("-overcommit", "cpu-pm=on").cpus);
    }

    @Test
    void everyOptionOfTheTableIsParsedAndEveryOtherRefused() {
        for (QemuOptionParser.Option option : QemuOptionParser.OPTIONS) {
            assertTrue(option.name().startsWith("-") && !option.help().isEmpty(), option.toString());
        }
        assertThrows(QemuUsageException.class, () -> parse("-bios", "x.fd"));
    }

    @Test
    void doubleDashFormsAndSerialDestinations() throws QemuUsageException {
        QemuOptions options = parse("--no-reboot", "--nographic");
        assertTrue(options.noReboot);
        assertEquals(QemuOptions.SerialSink.STDIO, options.effectiveSerial(), "-nographic puts COM1 on stdio");
        assertEquals(QemuOptions.SerialSink.NONE, parse().effectiveSerial(), "QEMU's default 'vc' shows nothing");
        assertEquals(
                QemuOptions.SerialSink.NONE,
                parse("-nographic", "-serial", "none").effectiveSerial());
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
        assertEquals(
                List.of("/a/env arg1", "/b/two", "/c/x,y"), QemuOptionParser.moduleItems("/a/env arg1,/b/two,/c/x,,y"));
    }

    @Test
    void aKernelIsRequired() {
        QemuUsageException e =
                assertThrows(QemuUsageException.class, () -> QemuOptionParser.parse(List.of("-m", "64")));
        assertTrue(e.getMessage().startsWith("-kernel"), e.getMessage());
    }
}
