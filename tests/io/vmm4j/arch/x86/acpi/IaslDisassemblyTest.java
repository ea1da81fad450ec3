package io.vmm4j.arch.x86.acpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.VirtioMmioSlot;
import io.vmm4j.arch.x86.MemoryLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks our tables with ACPICA's own tools (Debian package acpica-tools): iasl must disassemble each
 * table without errors or warnings, show the devices and APICs we put in, and recompile the
 * disassembly into the same bytes.
 */
class IaslDisassemblyTest {
    private static Path iasl;

    @TempDir
    Path dir;

    @BeforeAll
    static void findIasl() {
        Optional<Path> found = Stream.concat(
                        Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                                .filter(s -> !s.isEmpty()),
                        Stream.of("/usr/bin", "/usr/sbin", "/usr/local/bin"))
                .map(d -> Path.of(d, "iasl"))
                .filter(Files::isExecutable)
                .findFirst();
        Assumptions.assumeTrue(
                found.isPresent(),
                "iasl is not installed (Debian package acpica-tools: apt-get install -y acpica-tools); CI installs it");
        iasl = found.get();
    }

    private record Run(int exitCode, String output) {}

    private Run iasl(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = iasl.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "iasl finished");
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    /** Runs {@code iasl -d} on the table, asserts a clean disassembly and returns the .dsl text. */
    private String disassemble(PlacedTable table) throws Exception {
        String base = table.signature().toLowerCase(Locale.ROOT);
        Files.write(dir.resolve(base + ".dat"), table.bytes());
        Run run = iasl("-d", base + ".dat");
        assertEquals(0, run.exitCode(), run.output());
        String dsl = Files.readString(dir.resolve(base + ".dsl"));
        for (String text : List.of(run.output(), dsl)) {
            assertFalse(text.contains("Error"), text);
            assertFalse(text.contains("Warning"), text);
            assertFalse(text.contains("ACPI table terminates in the middle of a data structure"), text);
            assertFalse(text.contains("Incorrect checksum"), text);
            assertFalse(text.contains("****"), "no iasl warnings: " + text);
        }
        return dsl;
    }

    /**
     * Compiles the disassembly back (without optimizations, which would shorten name paths) and
     * asserts the same bytes. iasl writes its own compiler id and revision, hence the checksum.
     */
    private void assertRecompilesToTheSameBytes(PlacedTable table, String... options) throws Exception {
        String base = table.signature().toLowerCase(Locale.ROOT);
        Path recompiled = Files.createDirectories(dir.resolve("recompiled"));
        Files.copy(dir.resolve(base + ".dsl"), recompiled.resolve(base + ".dsl"));
        String[] args = Stream.concat(
                        Stream.of(options), Stream.of("-p", "recompiled/" + base, "recompiled/" + base + ".dsl"))
                .toArray(String[]::new);
        Run run = iasl(args);
        assertEquals(0, run.exitCode(), run.output());
        byte[] ours = table.bytes();
        byte[] theirs = Files.readAllBytes(recompiled.resolve(base + ".aml"));
        assertEquals(ours.length, theirs.length, table + " length after recompiling");
        assertArrayEquals(Arrays.copyOfRange(ours, 0, 9), Arrays.copyOfRange(theirs, 0, 9), "header up to checksum");
        assertArrayEquals(Arrays.copyOfRange(ours, 10, 28), Arrays.copyOfRange(theirs, 10, 28), "ids and revision");
        assertArrayEquals(
                Arrays.copyOfRange(ours, 36, ours.length),
                Arrays.copyOfRange(theirs, 36, theirs.length),
                table + " body");
    }

    @Test
    void dsdtDisassemblesWithCom1TheRtcAndEveryVirtioDevice() throws Exception {
        List<VirtioMmioSlot> slots = AcpiTablesTest.slots(MemoryLayout.MAX_VIRTIO_DEVICES);
        AcpiTables tables = AcpiTables.build(AcpiPlatform.of(2, slots, true));
        String dsl = disassemble(tables.table("DSDT"));
        assertTrue(dsl.contains("DefinitionBlock (\"\", \"DSDT\", 2, \"VMM4J \", \"VMM4JVM \", 0x00000001)"), dsl);
        assertTrue(dsl.contains("Device (COM1)"), dsl);
        assertTrue(dsl.contains("EisaId (\"PNP0501\")"), dsl);
        assertTrue(dsl.contains("0x03F8,             // Range Minimum"), dsl);
        assertTrue(dsl.contains("0x00000004,"), dsl);
        assertTrue(dsl.contains("Device (RTC)"), dsl);
        assertTrue(dsl.contains("EisaId (\"PNP0B00\")"), dsl);
        assertTrue(dsl.contains("0x0070,             // Range Minimum"), dsl);
        assertTrue(dsl.matches("(?s).*IRQNoFlags \\(\\)\\s*\\{8\\}.*"), dsl);
        assertEquals(slots.size(), count(dsl, "Name (_HID, \"LNRO0005\")"), dsl);
        assertEquals(
                slots.size() + 1, count(dsl, "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"), dsl);
        for (int i = 0; i < slots.size(); i++) {
            VirtioMmioSlot slot = slots.get(i);
            assertTrue(dsl.contains(String.format("Device (VR%02d)", i)), dsl);
            assertTrue(dsl.contains(String.format("0x%08X,         // Address Base", slot.base())), dsl);
            assertTrue(dsl.contains(String.format("0x%08X,", slot.irq())), dsl);
        }
        assertRecompilesToTheSameBytes(tables.table("DSDT"), "-oa");
    }

    @Test
    void dsdtDisassemblesWithTheVmGenerationIdAndItsEventDevice() throws Exception {
        AcpiTables tables = AcpiTables.build(
                AcpiPlatform.of(1, AcpiTablesTest.slots(2), true).withVmGenerationId(true));
        String dsl = disassemble(tables.table("DSDT"));
        assertTrue(dsl.contains("Device (VGEN)"), dsl);
        assertTrue(dsl.contains("Name (_HID, \"VMMJ0001\")"), dsl);
        assertTrue(
                dsl.matches("(?s).*Name \\(_CID, Package"
                        + " \\(0x02\\)[^{]*\\{\\s*\"VMGENCTR\",\\s*\"VM_Gen_Counter\"\\s*\\}.*"),
                dsl);
        assertTrue(dsl.contains("Name (_DDN, \"VM_Gen_Counter\")"), dsl);
        assertTrue(dsl.matches("(?s).*Name \\(ADDR, Package \\(0x02\\)\\s*\\{\\s*0x000FF000,\\s*Zero\\s*\\}.*"), dsl);
        assertTrue(dsl.contains("Device (GED)"), dsl);
        assertTrue(dsl.contains("Name (_HID, \"ACPI0013\" /* Generic Event Device */)"), dsl);
        assertTrue(dsl.contains("Method (_EVT, 1, NotSerialized)"), dsl);
        assertTrue(dsl.matches("(?s).*If \\(\\(Arg0 == 0x17\\)\\)\\s*\\{\\s*Notify \\(\\\\_SB\\.VGEN, 0x80\\).*"), dsl);
        // COM1, two virtio devices and the GED: edge-triggered, GSI 23 for the GED.
        assertEquals(4, count(dsl, "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )"), dsl);
        assertTrue(dsl.contains("0x00000017,"), dsl);
        assertRecompilesToTheSameBytes(tables.table("DSDT"), "-oa");
        String without = disassemble(
                AcpiTables.build(AcpiPlatform.of(1, List.of(), true)).table("DSDT"));
        assertFalse(without.contains("VGEN"), "off unless asked for: " + without);
    }

    @Test
    void madtDisassemblesWithEveryLocalApicAndTheIoapic() throws Exception {
        int vcpus = 8;
        AcpiTables tables = AcpiTables.build(AcpiPlatform.of(vcpus, List.of(), true));
        String dsl = disassemble(tables.table("APIC"));
        assertTrue(dsl.contains("Local Apic Address : FEE00000"), dsl);
        assertEquals(vcpus, count(dsl, "[Processor Local APIC]"), dsl);
        for (int cpu = 0; cpu < vcpus; cpu++) {
            assertTrue(dsl.contains(String.format("Local Apic ID : %02X", cpu)), dsl);
        }
        assertTrue(dsl.contains("[I/O APIC]"), dsl);
        assertTrue(dsl.contains("Address : FEC00000"), dsl);
        assertTrue(dsl.contains("[Interrupt Source Override]"), dsl);
        assertTrue(dsl.contains("[Local APIC NMI]"), dsl);
        assertTrue(dsl.contains("Interrupt Input LINT : 01"), dsl);
        assertRecompilesToTheSameBytes(tables.table("APIC"));
    }

    @Test
    void fadtAndXsdtDisassembleWithTheirPointers() throws Exception {
        AcpiTables tables = AcpiTables.build(AcpiPlatform.of(1, AcpiTablesTest.slots(1), true));
        String dsdtAddress = String.format("%016X", tables.table("DSDT").address());
        String fadt = disassemble(tables.table("FACP"));
        assertTrue(fadt.contains("Revision : 06"), fadt);
        assertTrue(fadt.contains("FADT Minor Revision : 05"), fadt);
        assertTrue(fadt.contains("Hardware Reduced (V5) : 1"), fadt);
        assertTrue(fadt.contains("DSDT Address : " + dsdtAddress), fadt);
        assertTrue(fadt.contains("RTC Century Index : 32"), fadt);
        assertTrue(fadt.contains("CMOS RTC Not Present (V5) : 0"), fadt);
        assertRecompilesToTheSameBytes(tables.table("FACP"));

        String xsdt = disassemble(tables.table("XSDT"));
        assertTrue(
                xsdt.contains(String.format(
                        "ACPI Table Address   0 : %016X", tables.table("FACP").address())),
                xsdt);
        assertTrue(
                xsdt.contains(String.format(
                        "ACPI Table Address   1 : %016X", tables.table("APIC").address())),
                xsdt);
        assertRecompilesToTheSameBytes(tables.table("XSDT"));
    }

    /**
     * iasl -d cannot read an RSDP (it has no table header), so compile the same fields with iasl's
     * data-table compiler, which fills in both checksums itself, and compare the bytes.
     */
    @Test
    void rsdpMatchesWhatIaslCompilesFromTheSameFields() throws Exception {
        AcpiTables tables = AcpiTables.build(AcpiPlatform.of(1, List.of(), true));
        String source = String.join(
                "\n",
                "[0008]                          Signature : \"RSD PTR \"",
                "[0001]                           Checksum : 00",
                "[0006]                             Oem ID : \"VMM4J \"",
                "[0001]                           Revision : 02",
                "[0004]                       RSDT Address : 00000000",
                "[0004]                             Length : 00000024",
                String.format(
                        "[0008]                       XSDT Address : %016X",
                        tables.table("XSDT").address()),
                "[0001]                  Extended Checksum : 00",
                "[0003]                           Reserved : 000000",
                "");
        Files.writeString(dir.resolve("rsdp.asl"), source);
        Run run = iasl("rsdp.asl");
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("0 Errors, 0 Warnings"), run.output());
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("rsdp.aml")),
                tables.table("RSD PTR ").bytes());
    }

    /** A table whose AML needs a three-byte PkgLength, which the generated DSDT never does. */
    @Test
    void largeAmlPackagesDisassembleAndRecompile() throws Exception {
        AcpiPlatform platform = AcpiPlatform.of(1, List.of(), false);
        byte[] aml = Aml.scope(
                "\\_SB",
                Aml.name("BIG0", Aml.buffer(new byte[5000])),
                Aml.name("PKG0", Aml.packageOf(Aml.integer(0xFEC0_0000L), Aml.string("abc"), Aml.integer(1L << 40))));
        PlacedTable ssdt = new PlacedTable("SSDT", 0, SystemDescriptionTable.build("SSDT", 2, platform, aml));
        String dsl = disassemble(ssdt);
        assertTrue(dsl.contains("Name (BIG0, Buffer (0x1388)"), dsl);
        assertTrue(dsl.contains("0xFEC00000"), dsl);
        assertTrue(dsl.contains("0x0000010000000000"), dsl);
        assertRecompilesToTheSameBytes(ssdt, "-oa");
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }
}
