package io.vmm4j.cli.command;

import java.io.PrintStream;

/** A subcommand of {@code vmm4j}, such as {@code run}. */
public interface Command {
    String name();

    /** One line for the command list in {@code vmm4j --help}. */
    String summary();

    /** The full text of {@code vmm4j NAME --help}. */
    String usage();

    /** Parses {@code args} and runs; returns the process exit status. */
    int run(Arguments args, PrintStream out, PrintStream err) throws UsageException;
}
