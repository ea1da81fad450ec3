package io.vmm4j.cli.command;

import java.util.List;

/**
 * Walks a subcommand's arguments. Options take their value either as the next argument
 * ({@code --mem 64}) or after an equals sign ({@code --mem=64}).
 */
public final class Arguments {
    private final List<String> args;
    private int position;
    private String inlineValue;

    public Arguments(List<String> args) {
        this.args = List.copyOf(args);
    }

    public boolean hasNext() {
        return position < args.size();
    }

    /** The next argument as it was given, for commands with a syntax of their own (such as {@code qemu}). */
    public String next() {
        inlineValue = null;
        return args.get(position++);
    }

    /** The next option's name, such as {@code --mem}; anything not starting with "-" is refused. */
    public String nextOption() throws UsageException {
        String arg = args.get(position++);
        if (!arg.startsWith("-")) throw new UsageException("unexpected argument '" + arg + "'");
        int equals = arg.indexOf('=');
        inlineValue = equals < 0 ? null : arg.substring(equals + 1);
        return equals < 0 ? arg : arg.substring(0, equals);
    }

    /** The value of {@code option}, the option {@link #nextOption()} just returned. */
    public String value(String option) throws UsageException {
        if (inlineValue != null) return inlineValue;
        if (!hasNext()) throw new UsageException(option + " needs a value");
        return args.get(position++);
    }

    /** Refuses a value given to an option that takes none, such as {@code --help=yes}. */
    public void noValue(String option) throws UsageException {
        if (inlineValue != null) throw new UsageException(option + " takes no value");
    }

    public static int intInRange(String option, String value, int min, int max) throws UsageException {
        try {
            int number = Integer.parseInt(value);
            if (number >= min && number <= max) return number;
        } catch (NumberFormatException e) {
            // reported below, with the range
        }
        throw new UsageException(
                option + " must be a whole number from " + min + " to " + max + ", was '" + value + "'");
    }
}
