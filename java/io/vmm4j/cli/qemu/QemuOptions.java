package io.vmm4j.cli.qemu;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** A parsed {@code vmm4j qemu} command line: what the VM is made of and where its console goes. */
final class QemuOptions {
    static final long DEFAULT_MEMORY = 128L << 20;  // QEMU's default -m

    /** Where COM1 transmits. */
    enum SerialSink { STDIO, NONE, FILE }

    boolean help;
    boolean listDevices;
    Path kernel;
    String initrd;
    String append = "";
    long memorySize = DEFAULT_MEMORY;
    int cpus = 1;
    OptionalInt maxCpus = OptionalInt.empty();
    final Map<String, Boolean> cpuFeatures = new LinkedHashMap<>();
    boolean nographic;
    boolean noReboot;
    /** Set by -serial; empty means "not given". */
    Optional<SerialSink> serial = Optional.empty();
    Path serialFile;
    /** isa-debug-exit's first port and port count, when it was given. */
    OptionalInt debugExitBase = OptionalInt.empty();
    int debugExitSize;
    boolean pcTestdev;
    String name = "vmm4j";
    /** -chardev backends by id, for -serial chardev:ID and -mon chardev=ID. */
    final Map<String, Chardev> chardevs = new LinkedHashMap<>();

    record Chardev(SerialSink sink, Path path) {}

    int maxCpusOrCpus() {
        return maxCpus.orElse(cpus);
    }

    /** COM1's destination: -serial if given, else stdio with -nographic, else nowhere (QEMU's "vc"). */
    SerialSink effectiveSerial() {
        return serial.orElse(nographic ? SerialSink.STDIO : SerialSink.NONE);
    }
}
