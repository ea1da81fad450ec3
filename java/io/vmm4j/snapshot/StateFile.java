package io.vmm4j.snapshot;

import io.vmm4j.api.InvalidSnapshotException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * The state file's container: named, versioned sections, each with its length and CRC32C, and a
 * CRC32C of the whole file at its end (docs/SNAPSHOT-FORMAT.md). It knows nothing of what the
 * sections hold. The reader refuses anything short of a perfect file with one
 * {@link InvalidSnapshotException} naming the file and the byte offset.
 */
public final class StateFile {
    static final byte[] MAGIC = "VMM4JSNP".getBytes(StandardCharsets.US_ASCII);
    /** The container's format version; a reader refuses any other. */
    public static final int FORMAT_VERSION = 1;

    static final int HEADER_SIZE = MAGIC.length + 4 + 4;
    static final int TRAILER_SIZE = 4;
    static final int MAX_NAME_LENGTH = 255;
    // A state file holds registers and device state, never guest memory: far below this.
    static final long MAX_FILE_SIZE = 256L << 20;

    /**
     * One section: a name unique in the file, its own version, and its bytes; {@code offset} is where
     * it starts in the file it was read from (-1 for one not read from a file).
     */
    public record Section(String name, int version, byte[] data, long offset) {
        public Section {
            if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_LENGTH) {
                throw new IllegalArgumentException("section name must be 1 to 255 bytes: '" + name + "'");
            }
        }

        public Section(String name, int version, byte[] data) {
            this(name, version, data, -1);
        }
    }

    private StateFile() {}

    /** The file's bytes: header, sections, whole-file CRC. */
    public static byte[] encode(List<Section> sections) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeHeader(out, sections.size());
        Set<String> names = new HashSet<>();
        for (Section section : sections) {
            if (!names.add(section.name())) throw new IllegalArgumentException("two sections named " + section.name());
            writeSection(
                    out,
                    section.name().getBytes(StandardCharsets.UTF_8),
                    section.version(),
                    section.data().length,
                    section.data());
        }
        return withTrailer(out);
    }

    // The three pieces of the layout, also for the fuzzer, which writes what encode() refuses to.

    static void writeHeader(ByteArrayOutputStream out, int sectionCount) {
        out.writeBytes(little(HEADER_SIZE)
                .put(MAGIC)
                .putInt(FORMAT_VERSION)
                .putInt(sectionCount)
                .array());
    }

    /** A section whose header says {@code declaredLength}, followed by {@code data} and the CRC of both. */
    static void writeSection(ByteArrayOutputStream out, byte[] name, int version, long declaredLength, byte[] data) {
        ByteBuffer head = little(2 + name.length + 4 + 8);
        head.putShort((short) name.length).put(name).putInt(version).putLong(declaredLength);
        out.writeBytes(head.array());
        out.writeBytes(data);
        CRC32C crc = new CRC32C();
        crc.update(head.array());
        crc.update(data);
        out.writeBytes(little(4).putInt((int) crc.getValue()).array());
    }

    /** What was written, followed by its CRC32C: the whole file. */
    static byte[] withTrailer(ByteArrayOutputStream out) {
        CRC32C crc = new CRC32C();
        crc.update(out.toByteArray());
        out.writeBytes(little(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    /** Writes the file in one go through a temporary file, so a reader never sees half of it. */
    public static long write(Path file, List<Section> sections) {
        byte[] bytes = encode(sections);
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(temporary, bytes);
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("writing snapshot state file " + file, e);
        }
        return bytes.length;
    }

    /** The whole-file CRC32C a file ends with, as a diff's parent reference records it; -1 if unreadable. */
    public static long trailerCrc(Path file) {
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            long size = channel.size();
            if (size < HEADER_SIZE + TRAILER_SIZE) return -1;
            ByteBuffer crc = little(4);
            channel.read(crc, size - TRAILER_SIZE);
            return crc.flip().remaining() == 4 ? Integer.toUnsignedLong(crc.getInt()) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Reads and checks the whole file. */
    public static List<Section> read(Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_SIZE) {
                throw new InvalidSnapshotException(file, 0, size + " bytes is too large for a state file");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidSnapshotException(file, 0, "no such file");
        } catch (IOException e) {
            throw new InvalidSnapshotException(file, 0, "cannot be read: " + e.getMessage());
        }
        return decode(file, bytes);
    }

    /** Parses {@code bytes}, read from {@code file} (named in errors). */
    public static List<Section> decode(Path file, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < HEADER_SIZE + TRAILER_SIZE) {
            throw new InvalidSnapshotException(
                    file, bytes.length, "truncated: " + bytes.length + " bytes is shorter than the header");
        }
        byte[] magic = new byte[MAGIC.length];
        in.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new InvalidSnapshotException(file, 0, "not a vmm4j snapshot state file (bad magic)");
        }
        int version = in.getInt();
        if (version != FORMAT_VERSION) {
            throw new InvalidSnapshotException(
                    file, MAGIC.length, "format version " + version + ", this vmm4j reads version " + FORMAT_VERSION);
        }
        int count = in.getInt();
        if (count < 0) throw new InvalidSnapshotException(file, MAGIC.length + 4, "negative section count " + count);
        List<Section> sections = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int end = bytes.length - TRAILER_SIZE;
        for (int i = 0; i < count; i++) {
            int start = in.position();
            if (end - start < 2) throw truncated(file, start, "section " + i + "'s header");
            int nameLength = Short.toUnsignedInt(in.getShort());
            if (nameLength == 0 || nameLength > MAX_NAME_LENGTH) {
                throw new InvalidSnapshotException(
                        file, start, "section " + i + " has a name of " + nameLength + " bytes");
            }
            if (end - in.position() < nameLength + 4 + 8) throw truncated(file, start, "section " + i + "'s header");
            byte[] nameBytes = new byte[nameLength];
            in.get(nameBytes);
            String name;
            try {
                // Strictly: a lenient decode turns each bad byte into U+FFFD, 3 bytes, past the name limit.
                name = StandardCharsets.UTF_8
                        .newDecoder()
                        .decode(ByteBuffer.wrap(nameBytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new InvalidSnapshotException(file, start, "section " + i + "'s name is not UTF-8");
            }
            int sectionVersion = in.getInt();
            long length = in.getLong();
            if (length < 0 || length > end - in.position() - 4) {
                throw truncated(file, start, "section '" + name + "' of " + length + " bytes");
            }
            int dataStart = in.position();
            byte[] data = new byte[(int) length];
            in.get(data);
            int stored = in.getInt();
            CRC32C crc = new CRC32C();
            crc.update(bytes, start, dataStart - start);
            crc.update(data);
            if ((int) crc.getValue() != stored) {
                throw new InvalidSnapshotException(
                        file, start, "section '" + name + "' is corrupted (CRC32C mismatch)");
            }
            if (!names.add(name))
                throw new InvalidSnapshotException(file, start, "second section named '" + name + "'");
            sections.add(new Section(name, sectionVersion, data, start));
        }
        if (in.position() != end) {
            throw new InvalidSnapshotException(
                    file, in.position(), (end - in.position()) + " bytes after the last section");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, end);
        if ((int) crc.getValue() != in.getInt()) {
            throw new InvalidSnapshotException(file, 0, "corrupted (the whole-file CRC32C does not match)");
        }
        return List.copyOf(sections);
    }

    private static InvalidSnapshotException truncated(Path file, long offset, String what) {
        return new InvalidSnapshotException(file, offset, "truncated or corrupted: " + what + " runs past the end");
    }

    private static ByteBuffer little(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
