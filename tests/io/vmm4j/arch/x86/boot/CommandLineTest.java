package io.vmm4j.arch.x86.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void argumentsAreJoinedBySpacesAndEndWithNul() {
        CommandLine line =
                CommandLine.of("console=ttyS0", " earlyprintk=serial ", "").addAll(List.of("panic=-1"));
        assertEquals("console=ttyS0 earlyprintk=serial panic=-1", line.toString());
        assertArrayEquals(
                "console=ttyS0 earlyprintk=serial panic=-1\0".getBytes(StandardCharsets.US_ASCII), line.toBytes(2047));
    }

    @Test
    void aLineLongerThanTheKernelsLimitIsRefusedNamingBoth() {
        CommandLine line = CommandLine.of("x".repeat(2047));
        assertEquals(2048, line.toBytes(2047).length);
        line.add("y");
        var error = assertThrows(IllegalArgumentException.class, () -> line.toBytes(2047));
        assertEquals(
                "the kernel command line is 2049 bytes long, but this kernel accepts at most 2047 (its cmdline_size)",
                error.getMessage());
    }

    @Test
    void theLimitComesFromTheKernelsHeader() {
        byte[] image = TestImages.bzImage(new byte[16], 0x020f, 4, 1);
        image[0x238] = 100;
        image[0x239] = 0;
        SetupHeader header = SetupHeader.parse(image, "bz");
        LoadedKernel kernel =
                new LoadedKernel(BootProtocol.LINUX_64, 0, 0, 0, 0, header, java.util.OptionalLong.empty());
        assertThrows(
                IllegalArgumentException.class,
                () -> CommandLine.of("z".repeat(101)).toBytes(kernel));
        assertEquals(2047, SetupHeader.forElfKernel().cmdlineSize());
    }

    @Test
    void nulBytesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> CommandLine.of("a\0b"));
    }
}
