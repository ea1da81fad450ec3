package io.vmm4j.arch.x86.boot;

import io.vmm4j.arch.x86.MemoryLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A kernel command line: arguments joined by spaces, checked against the kernel's limit. */
public final class CommandLine {
    private final List<String> arguments = new ArrayList<>();

    public static CommandLine of(String... arguments) {
        CommandLine line = new CommandLine();
        for (String argument : arguments) line.add(argument);
        return line;
    }

    /** Adds one argument, or several separated by spaces; blanks are skipped. */
    public CommandLine add(String argument) {
        Objects.requireNonNull(argument, "argument");
        if (argument.indexOf('\0') >= 0)
            throw new IllegalArgumentException("a command-line argument contains a NUL byte");
        String trimmed = argument.strip();
        if (!trimmed.isEmpty()) arguments.add(trimmed);
        return this;
    }

    public CommandLine addAll(List<String> more) {
        more.forEach(this::add);
        return this;
    }

    @Override
    public String toString() {
        return String.join(" ", arguments);
    }

    /**
     * The line as the kernel reads it: UTF-8 with a terminating NUL.
     *
     * @param limit the longest line the kernel takes, without the NUL: its cmdline_size
     * @throws IllegalArgumentException if the line is longer, naming both lengths
     */
    public byte[] toBytes(long limit) {
        byte[] text = toString().getBytes(StandardCharsets.UTF_8);
        long effective = Math.min(limit, MemoryLayout.CMDLINE_MAX_SIZE - 1);
        if (text.length > effective) {
            throw new IllegalArgumentException("the kernel command line is " + text.length + " bytes long, but "
                    + (effective == limit
                            ? "this kernel accepts at most " + limit + " (its cmdline_size)"
                            : "vmm4j has room for at most " + effective));
        }
        byte[] withNul = new byte[text.length + 1];
        System.arraycopy(text, 0, withNul, 0, text.length);
        return withNul;
    }

    /** {@link #toBytes(long)} with the limit of {@code kernel}'s setup header. */
    public byte[] toBytes(LoadedKernel kernel) {
        return toBytes(kernel.setupHeader().cmdlineSize());
    }
}
