package io.vmm4j.snapshot;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vmm4j.api.DeviceSnapshot;
import io.vmm4j.api.InvalidSnapshotException;
import io.vmm4j.api.VmConfig;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A structure-aware fuzz driver for the state file's readers ({@link StateFile#decode} and
 * {@link SnapshotContents#fromSections}), on any host. A whole-file mutation almost always dies at a
 * CRC32C (StateFileTest covers that), so this one mutates a valid file's sections (their bytes, lengths,
 * names, versions, order and count) and writes the CRCs again, so that every input reaches the decoders
 * behind them. Every input must either read or be refused with one {@link InvalidSnapshotException}
 * that names the file and an offset inside it; any other exception or error fails, and so does a read
 * that allocates far more than the file's size (a length taken from the file and trusted) or that takes
 * more than a second.
 *
 * <p>In {@code mvn test} it runs a fixed number of inputs from a fixed seed ({@value #DEFAULT_INPUTS}, a
 * few seconds). For a longer search: {@code -Dvmm4j.fuzz.seconds=N} (and {@code -Dvmm4j.fuzz.seed=S});
 * a failing input is written to {@code target/state-file-fuzz/} and its seed and index are printed.
 */
class StateFileFuzzTest {
    static final int DEFAULT_INPUTS = 40_000;
    /** What one read may allocate beyond a small multiple of the file's size. */
    static final long ALLOCATION_SLACK = 4L << 20;

    @TempDir
    Path temp;

    /**
     * This thread's allocated bytes: HotSpot's {@code com.sun.management.ThreadMXBean}, reached by reflection
     * because the test module does not read {@code jdk.management}.
     */
    private static final java.util.function.LongSupplier ALLOCATED = allocatedBytes();

    private static java.util.function.LongSupplier allocatedBytes() {
        Object bean = ManagementFactory.getThreadMXBean();
        try {
            java.lang.reflect.Method method =
                    Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
            method.invoke(bean);
            return () -> {
                try {
                    return (Long) method.invoke(bean);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            };
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("this JVM cannot count a thread's allocations: " + e, e);
        }
    }

    /** One section as the fuzzer builds it: the name as raw bytes, so invalid UTF-8 and duplicates can be written. */
    private record Raw(byte[] name, int version, byte[] data) {
        Raw(StateFile.Section section) {
            this(section.name().getBytes(StandardCharsets.UTF_8), section.version(), section.data());
        }
    }

    @Test
    void everyMutatedSectionIsReadOrRefusedWithOneInvalidSnapshotException() throws Exception {
        long seed = Long.getLong("vmm4j.fuzz.seed", 13);
        long seconds = Long.getLong("vmm4j.fuzz.seconds", 0);
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        Random random = new Random(seed);
        Path file = temp.resolve("state");
        int inputs = 0;
        int read = 0;
        int contentsReached = 0;
        while (seconds > 0 ? System.nanoTime() < deadline : inputs < DEFAULT_INPUTS) {
            byte[] bytes = mutate(random);
            inputs++;
            long allocatedBefore = ALLOCATED.getAsLong();
            long start = System.nanoTime();
            try {
                List<StateFile.Section> sections = StateFile.decode(file, bytes);
                contentsReached++;
                SnapshotContents.fromSections(file, sections);
                read++;
            } catch (InvalidSnapshotException e) {
                if (!e.getMessage().startsWith(file + " at offset ")
                        || !e.file().equals(file)) {
                    failWith(seed, inputs, bytes, "the refusal does not name the file first", e);
                }
                if (e.offset() < 0 || e.offset() > bytes.length) {
                    failWith(seed, inputs, bytes, "offset " + e.offset() + " lies outside the file", e);
                }
            } catch (Throwable e) {
                failWith(seed, inputs, bytes, "not an InvalidSnapshotException", e);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > 1000) failWith(seed, inputs, bytes, "the read took " + millis + " ms", null);
            long allocated = ALLOCATED.getAsLong() - allocatedBefore;
            if (allocated > 16L * bytes.length + ALLOCATION_SLACK) {
                failWith(
                        seed,
                        inputs,
                        bytes,
                        "the read allocated " + allocated + " bytes for a file of " + bytes.length,
                        null);
            }
        }
        System.out.printf(
                "state-file fuzz: seed %d, %d inputs, %d past the container's CRCs, %d read whole%n",
                seed, inputs, contentsReached, read);
        // The driver proves something only if inputs get past the CRCs, and some all the way through.
        assertTrue(contentsReached > inputs / 2, contentsReached + " of " + inputs + " got past the container");
        assertTrue(read > 0, "no mutated input was read whole: the mutations never keep a file valid");
    }

    private void failWith(long seed, int index, byte[] bytes, String problem, Throwable cause) {
        try {
            Path dir = Path.of("target", "state-file-fuzz");
            Files.createDirectories(dir);
            Path saved = dir.resolve("seed-" + seed + "-input-" + index);
            Files.write(saved, bytes);
            problem += " (input saved to " + saved.toAbsolutePath() + ")";
        } catch (Exception ignored) {
            problem += " (input: " + HexFormat.of().formatHex(bytes) + ")";
        }
        if (cause != null) {
            fail("seed " + seed + ", input " + index + ": " + problem + ": " + cause, cause);
        }
        fail("seed " + seed + ", input " + index + ": " + problem);
    }

    // ---- valid files to start from ----

    private static SnapshotContents valid(Random random) {
        int vcpus = 1 + random.nextInt(3);
        VmConfig.Builder config = VmConfig.builder()
                .vcpuCount(vcpus)
                .memoryMiB(1 + random.nextInt(64))
                .irqchip(random.nextBoolean())
                .pit(VmConfig.Pit.values()[random.nextInt(VmConfig.Pit.values().length)])
                .cpuModel(random.nextBoolean() ? "host" : "qemu64");
        if (random.nextBoolean()) config.cpuFeature("x2apic", random.nextBoolean());
        if (random.nextBoolean()) config.ioThreadCpus(random.nextInt(4));
        VmConfig built = config.build();
        List<DeviceRecord> devices = List.of(
                new DeviceRecord.Serial("com1", 0x3f8, 4),
                new DeviceRecord.JavaIo("echo", "", true, 0xd000_0000L, 0x1000),
                new DeviceRecord.JavaIo("rtc", "cmos-rtc", false, 0x70, 2),
                new DeviceRecord.Null("post", false, 0x80, 1),
                new DeviceRecord.Virtio("disk", 2, bytes(random, random.nextInt(64))),
                new DeviceRecord.GenerationId("vmgenid", 0xff000, 23));
        List<byte[]> vcpuStates = new ArrayList<>();
        for (int i = 0; i < vcpus; i++) vcpuStates.add(bytes(random, random.nextInt(64)));
        boolean diff = random.nextBoolean();
        long[] pages = null;
        if (diff) {
            pages = new long[random.nextInt(8)];
            for (int i = 0; i < pages.length; i++) pages[i] = random.nextLong();
        }
        return new SnapshotContents(
                diff
                        ? Optional.of(
                                new SnapshotContents.Parent(Path.of("/snapshots/base"), random.nextInt() & 0xffffffffL))
                        : Optional.empty(),
                random.nextLong(),
                built.memorySize(),
                built,
                devices,
                bytes(random, random.nextInt(64)),
                vcpuStates,
                List.of(new DeviceSnapshot("echo", 3, bytes(random, random.nextInt(16)))),
                pages);
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    // ---- mutations ----

    /** Values that break length and count fields: zero, one, signs, and sizes no file has. */
    private static final long[] INTERESTING = {
        0,
        1,
        -1,
        2,
        7,
        8,
        255,
        256,
        0x7f,
        0x80,
        0xff,
        0x7fff,
        0x8000,
        0xffff,
        0x10000,
        Integer.MAX_VALUE,
        Integer.MIN_VALUE,
        0xffff_ffffL,
        Long.MAX_VALUE,
        Long.MIN_VALUE,
        1L << 31,
        1L << 32,
        4096,
        4097,
    };

    private static byte[] mutate(Random random) {
        List<Raw> sections = new ArrayList<>();
        for (StateFile.Section section : valid(random).toSections()) sections.add(new Raw(section));
        int declaredCountDelta = 0;
        Integer lyingLength = null;
        int rounds = 1 + (random.nextInt(4) == 0 ? random.nextInt(4) : 0);
        for (int round = 0; round < rounds; round++) {
            int which = random.nextInt(sections.size());
            Raw section = sections.get(which);
            switch (random.nextInt(12)) {
                case 0, 1, 2 -> sections.set(which, withData(section, flip(random, section.data())));
                case 3, 4, 5 -> sections.set(which, withData(section, field(random, section.data())));
                case 6 -> sections.set(which, withData(section, resize(random, section.data())));
                case 7 ->
                    sections.set(
                            which,
                            new Raw(
                                    section.name(),
                                    random.nextBoolean() ? section.version() + 1 : random.nextInt(),
                                    section.data()));
                case 8 -> sections.set(which, new Raw(name(random), section.version(), section.data()));
                case 9 -> {
                    switch (random.nextInt(3)) {
                        case 0 -> sections.remove(which);
                        case 1 -> sections.add(random.nextInt(sections.size() + 1), section);
                        default -> sections.add(random.nextInt(sections.size()), sections.remove(which));
                    }
                    if (sections.isEmpty()) sections.add(section);
                }
                case 10 -> declaredCountDelta = random.nextBoolean() ? random.nextInt(3) - 1 : (int) pick(random);
                default -> lyingLength = which;
            }
        }
        return encode(random, sections, declaredCountDelta, lyingLength);
    }

    private static Raw withData(Raw section, byte[] data) {
        return new Raw(section.name(), section.version(), data);
    }

    private static long pick(Random random) {
        long value = INTERESTING[random.nextInt(INTERESTING.length)];
        return random.nextInt(4) == 0 ? value + random.nextInt(3) - 1 : value;
    }

    private static byte[] flip(Random random, byte[] data) {
        if (data.length == 0) return new byte[] {(byte) random.nextInt()};
        byte[] out = data.clone();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++)
            out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    /** A 1-, 2-, 4- or 8-byte field at a random offset set to an interesting value, big- or little-endian. */
    private static byte[] field(Random random, byte[] data) {
        int width = 1 << random.nextInt(4);
        if (data.length < width) return flip(random, data);
        byte[] out = data.clone();
        ByteBuffer buffer =
                ByteBuffer.wrap(out).order(random.nextInt(4) == 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        int at = random.nextInt(out.length - width + 1);
        long value = pick(random);
        switch (width) {
            case 1 -> buffer.put(at, (byte) value);
            case 2 -> buffer.putShort(at, (short) value);
            case 4 -> buffer.putInt(at, (int) value);
            default -> buffer.putLong(at, value);
        }
        return out;
    }

    private static byte[] resize(Random random, byte[] data) {
        int at = data.length == 0 ? 0 : random.nextInt(data.length + 1);
        return switch (random.nextInt(3)) {
            case 0 -> java.util.Arrays.copyOf(data, at); // truncated
            case 1 -> { // bytes inserted
                byte[] extra = bytes(random, 1 + random.nextInt(16));
                byte[] out = new byte[data.length + extra.length];
                System.arraycopy(data, 0, out, 0, at);
                System.arraycopy(extra, 0, out, at, extra.length);
                System.arraycopy(data, at, out, at + extra.length, data.length - at);
                yield out;
            }
            default -> { // bytes removed
                int length = Math.min(data.length - at, 1 + random.nextInt(8));
                byte[] out = new byte[data.length - length];
                System.arraycopy(data, 0, out, 0, at);
                System.arraycopy(data, at + length, out, at, data.length - at - length);
                yield out;
            }
        };
    }

    private static byte[] name(Random random) {
        String[] known = {
            "snapshot",
            "config",
            "devices",
            "vm",
            "vcpu.0",
            "vcpu.1",
            "vcpu.7",
            "vcpu.-1",
            "vcpu.",
            "device.echo",
            "device.com1",
            "device.",
            "device.nope",
            "memory.pages",
            "memory",
            "x",
        };
        return switch (random.nextInt(4)) {
            case 0, 1 -> known[random.nextInt(known.length)].getBytes(StandardCharsets.UTF_8);
            case 2 -> bytes(random, 1 + random.nextInt(StateFile.MAX_NAME_LENGTH)); // any bytes, often not UTF-8
            default -> {
                byte[] name = new byte[StateFile.MAX_NAME_LENGTH]; // the longest name, all of it invalid UTF-8
                java.util.Arrays.fill(name, (byte) 0xff);
                yield name;
            }
        };
    }

    /** The container as StateFile.encode writes it, with every CRC right, from raw sections. */
    private static byte[] encode(Random random, List<Raw> sections, int countDelta, Integer lyingLength) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StateFile.writeHeader(out, sections.size() + countDelta);
        for (int i = 0; i < sections.size(); i++) {
            Raw section = sections.get(i);
            long length = section.data().length;
            if (lyingLength != null && lyingLength == i)
                length = random.nextBoolean() ? pick(random) : length + random.nextInt(9) - 4;
            StateFile.writeSection(out, section.name(), section.version(), length, section.data());
        }
        return StateFile.withTrailer(out);
    }
}
