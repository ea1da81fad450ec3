package io.vmm4j.cli.qemu;

import io.vmm4j.api.VmConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** A parsed {@code vmm4j qemu} command line: what the VM is made of and where its console goes. */
final class QemuOptions {
    static final long DEFAULT_MEMORY = 128L << 20; // QEMU's default -m

    /** Where COM1 transmits. */
    enum SerialSink {
        STDIO,
        NONE,
        FILE
    }

    boolean help;
    boolean listDevices;
    boolean listCpus;
    Path kernel;
    String initrd;
    String append = "";
    long memorySize = DEFAULT_MEMORY;
    int cpus = 1;
    OptionalInt maxCpus = OptionalInt.empty();
    /** QEMU's default CPU model for its pc machine. */
    String cpuModel = "qemu64";

    final Map<String, Boolean> cpuFeatures = new LinkedHashMap<>();
    /** The -machine type as given, for messages that name it as QEMU does. */
    String machine = "pc";
    /** -machine pit=on|off: whether the in-kernel PIT exists. */
    boolean pit = true;
    /** -global kvm-pit.lost_tick_policy=discard (true) or delay (false, KVM's default). */
    boolean discardLostTicks;

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

    /** The in-kernel PIT as -machine pit= and -global kvm-pit.lost_tick_policy= set it. */
    VmConfig.Pit pitMode() {
        if (!pit) return VmConfig.Pit.NONE;
        return discardLostTicks ? VmConfig.Pit.DISCARD : VmConfig.Pit.REINJECT;
    }

    int maxCpusOrCpus() {
        return maxCpus.orElse(cpus);
    }

    /** COM1's destination: -serial if given, else stdio with -nographic, else nowhere (QEMU's "vc"). */
    SerialSink effectiveSerial() {
        return serial.orElse(nographic ? SerialSink.STDIO : SerialSink.NONE);
    }
}
