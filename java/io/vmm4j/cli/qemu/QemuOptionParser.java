package io.vmm4j.cli.qemu;

import io.vmm4j.arch.x86.CpuFeature;
import io.vmm4j.arch.x86.CpuModel;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.arch.x86.acpi.AcpiPlatform;
import io.vmm4j.devices.qemu.IsaDebugExit;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Parses the subset of QEMU's command line that bare-metal test harnesses (kvm-unit-tests and the
 * like) use. Options start with one dash or two, as QEMU allows; values follow as the next argument;
 * sub-options are comma separated {@code key=value} lists. Anything else is refused at once.
 */
final class QemuOptionParser {
    private static final Logger LOG = LogManager.getLogger(QemuOptionParser.class);
    static final String KVM_PIT_LOST_TICK_POLICY = "kvm-pit.lost_tick_policy";

    /**
     * One option: its name, its argument as QEMU's help writes it (null for a flag), and what vmm4j
     * does with it. The parser and --help both read {@link #OPTIONS}, so they cannot disagree.
     */
    record Option(String name, String argument, String help) {
        boolean takesValue() {
            return argument != null;
        }
    }

    /** Every option, in the order the help lists them; the texts are QEMU's, narrowed to what vmm4j does. */
    static final List<Option> OPTIONS = List.of(
            new Option("-kernel", "bzImage", "use 'bzImage' as kernel image (a Multiboot v1 kernel)"),
            new Option(
                    "-initrd",
                    "file",
                    "use 'file' as initial ram disk (Multiboot modules: 'F1 ARGS,F2', ',,' for" + " a comma)"),
            new Option("-append", "cmdline", "use 'cmdline' as kernel command line"),
            new Option("-m", "[size=]megs", "configure guest RAM (default 128M; K, M, G suffixes)"),
            new Option(
                    "-smp",
                    "[[cpus=]n][,maxcpus=maxcpus][,sockets=s][,dies=d][,clusters=c][,cores=c][,threads=t]",
                    "set the number of initial CPUs to 'n'"),
            new Option(
                    "-cpu",
                    "model[,+feature|-feature|feature=on|off...]",
                    "select CPU ('-cpu help' for list):" + " " + CpuModel.names() + " (default qemu64, as QEMU's pc)"),
            new Option(
                    "-machine",
                    "[type=]name[,prop=value...]",
                    "selects emulated machine: pc or q35 (both are"
                            + " vmm4j's one PC); props accel=kvm, kernel_irqchip=on, pit=on|off"),
            new Option("-M", "[type=]name[,prop=value...]", "the same as -machine"),
            new Option("-accel", "kvm", "select accelerator (KVM only)"),
            new Option("-enable-kvm", null, "enable KVM full virtualization support (always on)"),
            new Option(
                    "-global",
                    "driver.property=value",
                    "set a default value of a driver's property: only " + KVM_PIT_LOST_TICK_POLICY + "=discard|delay"),
            new Option("-overcommit", "[mem-lock=on|off][,cpu-pm=on|off]", "accepted and ignored"),
            new Option(
                    "-serial",
                    "dev",
                    "redirect the serial port to char device 'dev': stdio, mon:stdio, none,"
                            + " null, file:PATH, chardev:ID"),
            new Option("-chardev", "stdio|null|file,id=id[,path=path]", "a character device for -serial and -mon"),
            new Option("-mon", "chardev=id[,mode=readline|control]", "accepted and ignored: no monitor"),
            new Option("-nographic", null, "disable graphical output; COM1 on stdio unless -serial says otherwise"),
            new Option("-display", "none", "no display"),
            new Option("-vga", "none", "no VGA card"),
            new Option("-vnc", "none", "no VNC server"),
            new Option("-nodefaults", null, "don't create default devices (there are none to leave out)"),
            new Option("-no-reboot", null, "exit instead of rebooting"),
            new Option(
                    "-device",
                    "driver[,prop=value][,...]",
                    "add device (-device help for list): isa-debug-exit" + "[,iobase=0xf4][,iosize=0x4], pc-testdev"),
            new Option("-name", "string", "set the name of the guest"),
            new Option("-h", null, "display this help and exit"),
            new Option("-help", null, "display this help and exit"));

    static final List<String> SUPPORTED = OPTIONS.stream().map(Option::name).toList();
    static final List<String> DEVICES = List.of("isa-debug-exit", "pc-testdev");
    /** vmm4j's one PC machine answers to QEMU's names of both PC machines; -M q35 tests need no PCIe here. */
    static final List<String> MACHINES = List.of("pc", "q35");

    private QemuOptionParser() {}

    static QemuOptions parse(List<String> args) throws QemuUsageException {
        QemuOptions options = new QemuOptions();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("-")) {
                throw new QemuUsageException("'" + arg + "': disk images are not supported; boot with -kernel");
            }
            String option = arg.startsWith("--") ? arg.substring(1) : arg;
            Option known = OPTIONS.stream()
                    .filter(o -> o.name().equals(option))
                    .findFirst()
                    .orElseThrow(() -> unsupported(arg));
            if (known.takesValue()) {
                if (i + 1 >= args.size()) throw new QemuUsageException(arg + ": needs a value");
                valued(options, option, args.get(++i));
                continue;
            }
            switch (option) {
                case "-h", "-help" -> options.help = true;
                case "-nographic" -> options.nographic = true;
                case "-no-reboot" -> options.noReboot = true;
                default -> {} // -enable-kvm, -nodefaults: what vmm4j always does
            }
        }
        if (options.help || options.listDevices || options.listCpus) return options;
        if (options.kernel == null) throw new QemuUsageException("-kernel: a kernel is required (vmm4j boots no BIOS)");
        if (options.maxCpus.isPresent() && options.maxCpus.getAsInt() < options.cpus) {
            throw new QemuUsageException(
                    "-smp: maxcpus=" + options.maxCpus.getAsInt() + " is below cpus=" + options.cpus);
        }
        if (options.maxCpusOrCpus() > AcpiPlatform.MAX_VCPUS) {
            // QEMU's words (hw/core/machine-smp.c): kvm-unit-tests greps "SMP CPUs" and takes the last word.
            throw new QemuUsageException("Invalid SMP CPUs " + options.maxCpusOrCpus() + ". The max CPUs supported by"
                    + " machine '" + options.machine + "' is " + AcpiPlatform.MAX_VCPUS);
        }
        return options;
    }

    static QemuUsageException unsupported(String option) {
        return new QemuUsageException(
                option + ": unsupported option; vmm4j qemu supports " + String.join(" ", SUPPORTED) + " (see --help)");
    }

    private static void valued(QemuOptions options, String option, String value) throws QemuUsageException {
        switch (option) {
            case "-kernel" -> options.kernel = Path.of(value);
            case "-initrd" -> options.initrd = value;
            case "-append" -> options.append = value;
            case "-m" -> options.memorySize = memory(value);
            case "-smp" -> smp(options, value);
            case "-cpu" -> cpu(options, value);
            case "-machine", "-M" -> machine(options, option, value);
            case "-accel" -> accel(option, value);
            case "-global" -> global(options, value);
            case "-overcommit" ->
                LOG.debug(
                        "-overcommit {}: ignored (vmm4j neither locks memory nor passes CPU"
                                + " power management through)",
                        value);
            case "-serial" -> serial(options, value);
            case "-chardev" -> chardev(options, value);
            case "-mon" -> mon(options, value);
            case "-display", "-vga", "-vnc" -> {
                if (!value.equals("none")) {
                    throw new QemuUsageException(
                            option + " " + value + ": vmm4j has no display; only '" + option + " none' is accepted");
                }
            }
            case "-device" -> device(options, value);
            case "-name" -> options.name = subOptions(value).getOrDefault("guest", firstItem(value));
            default -> throw unsupported(option);
        }
    }

    /** QEMU's -m: a size in MiB, or with a suffix (K, M, G, T), optionally as size=. */
    static long memory(String value) throws QemuUsageException {
        String size = value;
        for (String item : value.split(",")) {
            if (item.startsWith("size=")) {
                size = item.substring(5);
            } else if (item.contains("=")) {
                throw new QemuUsageException("-m " + value + ": only the size is supported, not '" + item + "'");
            } else {
                size = item;
            }
        }
        long bytes = -1;
        try {
            String digits = size.toUpperCase(Locale.ROOT);
            long unit = 1L << 20;
            char last = digits.isEmpty() ? ' ' : digits.charAt(digits.length() - 1);
            switch (last) {
                case 'K' -> unit = 1L << 10;
                case 'M' -> unit = 1L << 20;
                case 'G' -> unit = 1L << 30;
                case 'T' -> unit = 1L << 40;
                default -> unit = -1;
            }
            if (unit > 0) digits = digits.substring(0, digits.length() - 1);
            if (digits.endsWith("I")) throw new NumberFormatException();
            bytes = Math.multiplyExact(Long.parseLong(digits), unit > 0 ? unit : 1L << 20);
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        if (bytes <= 0 || bytes % 4096 != 0) {
            throw new QemuUsageException("-m " + value + ": not a size (use e.g. 64, 64M or 1G)");
        }
        if (bytes < (2L << 20) || bytes > MemoryLayout.MAX_RAM) {
            throw new QemuUsageException(
                    "-m " + value + ": vmm4j qemu supports 2M to " + (MemoryLayout.MAX_RAM >> 20) + "M");
        }
        return bytes;
    }

    private static void smp(QemuOptions options, String value) throws QemuUsageException {
        Map<String, String> items = subOptions(value);
        int cpus = -1;
        int topology = 1;
        boolean hasTopology = false;
        for (Map.Entry<String, String> item : items.entrySet()) {
            switch (item.getKey()) {
                case "", "cpus" -> cpus = count("-smp", item.getValue());
                case "maxcpus" -> options.maxCpus = OptionalInt.of(count("-smp", item.getValue()));
                case "sockets", "dies", "clusters", "cores", "threads" -> {
                    topology *= count("-smp", item.getValue());
                    hasTopology = true;
                }
                default ->
                    throw new QemuUsageException("-smp " + value + ": unsupported '" + item.getKey()
                            + "'; use N[,cpus=N][,maxcpus=M][,sockets=S][,cores=C][,threads=T]");
            }
        }
        options.cpus = cpus > 0 ? cpus : hasTopology ? topology : 1;
    }

    private static int count(String option, String value) throws QemuUsageException {
        try {
            int number = Integer.parseInt(value);
            if (number >= 1) return number;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new QemuUsageException(option + ": '" + value + "' is not a positive whole number");
    }

    /** A model ({@link CpuModel}), then +feature, -feature or feature=on|off by QEMU's names; 'help' lists them. */
    private static void cpu(QemuOptions options, String value) throws QemuUsageException {
        String[] items = value.split(",");
        if (items[0].equals("help") || items[0].equals("?")) {
            options.listCpus = true;
            return;
        }
        try {
            options.cpuModel = CpuModel.byName(items[0]).modelName();
        } catch (IllegalArgumentException e) {
            throw new QemuUsageException("-cpu " + value + ": " + e.getMessage());
        }
        for (int i = 1; i < items.length; i++) {
            String item = items[i];
            String name;
            boolean enabled;
            if (item.startsWith("+") || item.startsWith("-")) {
                name = item.substring(1);
                enabled = item.startsWith("+");
            } else if (item.endsWith("=on") || item.endsWith("=off")) {
                name = item.substring(0, item.lastIndexOf('='));
                enabled = item.endsWith("=on");
            } else {
                throw new QemuUsageException("-cpu " + value + ": '" + item + "' is not +feature, -feature or"
                        + " feature=on|off (CPU properties such as vendor= are not supported)");
            }
            try {
                options.cpuFeatures.put(CpuFeature.byName(name).featureName(), enabled);
            } catch (IllegalArgumentException e) {
                throw new QemuUsageException("-cpu " + value + ": " + e.getMessage());
            }
        }
    }

    private static void machine(QemuOptions options, String option, String value) throws QemuUsageException {
        for (Map.Entry<String, String> item : subOptions(value).entrySet()) {
            switch (item.getKey()) {
                case "", "type" -> {
                    if (!MACHINES.contains(item.getValue())) {
                        throw new QemuUsageException(option + " " + value + ": machine type '" + item.getValue()
                                + "' is not supported; vmm4j offers " + String.join(", ", MACHINES)
                                + " (both its one PC: ISA devices, no PCI)");
                    }
                    options.machine = item.getValue();
                }
                case "accel" -> accel(option, item.getValue());
                case "kernel_irqchip", "kernel-irqchip" -> {
                    if (!item.getValue().equals("on")) {
                        throw new QemuUsageException(option + " " + value + ": the irqchip is always in the kernel"
                                + " (kernel_irqchip=on)");
                    }
                }
                case "pit" -> options.pit = onOff(option + " " + value, item.getValue());
                default ->
                    throw new QemuUsageException(option + " " + value + ": unsupported property '" + item.getKey()
                            + "'; vmm4j accepts the type, accel=kvm, kernel_irqchip=on and pit=on|off");
            }
        }
    }

    private static boolean onOff(String context, String value) throws QemuUsageException {
        return switch (value) {
            case "on", "yes", "true" -> true;
            case "off", "no", "false" -> false;
            default -> throw new QemuUsageException(context + ": '" + value + "' is not on or off");
        };
    }

    /** -global DRIVER.PROP=VALUE, or QEMU's long form driver=D,property=P,value=V. */
    private static void global(QemuOptions options, String value) throws QemuUsageException {
        String property;
        String setting;
        Map<String, String> items = subOptions(value);
        if (items.containsKey("driver") && items.containsKey("property") && items.containsKey("value")) {
            property = items.get("driver") + "." + items.get("property");
            setting = items.get("value");
        } else {
            int equals = value.indexOf('=');
            property = equals < 0 ? value : value.substring(0, equals);
            setting = equals < 0 ? "" : value.substring(equals + 1);
        }
        if (!property.equals(KVM_PIT_LOST_TICK_POLICY)) {
            throw new QemuUsageException("-global " + value + ": unsupported; vmm4j qemu supports only -global "
                    + KVM_PIT_LOST_TICK_POLICY + "=discard|delay");
        }
        switch (setting) {
            case "discard" -> options.discardLostTicks = true;
            case "delay" -> options.discardLostTicks = false;
            default ->
                throw new QemuUsageException(
                        "-global " + value + ": the in-kernel PIT's lost_tick_policy is" + " discard or delay");
        }
    }

    private static void accel(String option, String value) throws QemuUsageException {
        String first = value.split("[:,]")[0];
        if (!first.equals("kvm")) {
            throw new QemuUsageException(option + " " + value + ": vmm4j runs guests on KVM only (accel=kvm)");
        }
    }

    private static void serial(QemuOptions options, String value) throws QemuUsageException {
        if (options.serial.isPresent()) {
            throw new QemuUsageException("-serial " + value + ": vmm4j has one serial port (COM1); give -serial once");
        }
        if (value.startsWith("chardev:")) {
            QemuOptions.Chardev chardev = options.chardevs.get(value.substring(8));
            if (chardev == null) {
                throw new QemuUsageException("-serial " + value + ": no -chardev with id '" + value.substring(8)
                        + "' (give -chardev before -serial)");
            }
            options.serial = java.util.Optional.of(chardev.sink());
            options.serialFile = chardev.path();
        } else if (value.startsWith("file:")) {
            options.serial = java.util.Optional.of(QemuOptions.SerialSink.FILE);
            options.serialFile = Path.of(value.substring(5));
        } else {
            options.serial = java.util.Optional.of(
                    switch (value) {
                        case "stdio", "mon:stdio" -> QemuOptions.SerialSink.STDIO;
                        case "none", "null" -> QemuOptions.SerialSink.NONE;
                        default ->
                            throw new QemuUsageException("-serial " + value + ": unsupported; use stdio, mon:stdio,"
                                    + " none, null, file:PATH or chardev:ID");
                    });
        }
    }

    private static void chardev(QemuOptions options, String value) throws QemuUsageException {
        Map<String, String> items = subOptions(value);
        String backend = items.getOrDefault("", "");
        String id = items.get("id");
        if (id == null) throw new QemuUsageException("-chardev " + value + ": needs id=");
        QemuOptions.Chardev chardev = switch (backend) {
            case "stdio" -> new QemuOptions.Chardev(QemuOptions.SerialSink.STDIO, null);
            case "null" -> new QemuOptions.Chardev(QemuOptions.SerialSink.NONE, null);
            case "file" -> {
                String path = items.get("path");
                if (path == null) throw new QemuUsageException("-chardev " + value + ": file needs path=");
                yield new QemuOptions.Chardev(QemuOptions.SerialSink.FILE, Path.of(path));
            }
            default ->
                throw new QemuUsageException(
                        "-chardev " + value + ": unsupported backend '" + backend + "'; use stdio, null or file");
        };
        for (String key : items.keySet()) {
            if (!List.of("", "id", "path", "mux", "signal", "logfile", "logappend")
                    .contains(key)) {
                throw new QemuUsageException("-chardev " + value + ": unsupported property '" + key + "'");
            }
        }
        options.chardevs.put(id, chardev);
    }

    /** The monitor is not emulated: -mon is accepted when it names a -chardev, and ignored. */
    private static void mon(QemuOptions options, String value) throws QemuUsageException {
        String id = subOptions(value).get("chardev");
        if (id == null || !options.chardevs.containsKey(id)) {
            throw new QemuUsageException("-mon " + value + ": needs chardev=ID of an earlier -chardev");
        }
    }

    private static void device(QemuOptions options, String value) throws QemuUsageException {
        Map<String, String> items = subOptions(value);
        String driver = items.getOrDefault("", "");
        if (driver.equals("?") || driver.equals("help")) {
            options.listDevices = true;
            return;
        }
        switch (driver) {
            case "isa-debug-exit" -> {
                int base = IsaDebugExit.DEFAULT_IOBASE;
                int size = IsaDebugExit.DEFAULT_IOSIZE;
                for (Map.Entry<String, String> item : items.entrySet()) {
                    switch (item.getKey()) {
                        case "" -> {}
                        case "iobase" -> base = number("-device " + value, item.getValue(), 0, 0xffff);
                        case "iosize" -> size = number("-device " + value, item.getValue(), 1, 0x10000);
                        default ->
                            throw new QemuUsageException("-device " + value + ": isa-debug-exit has iobase"
                                    + " and iosize, not '" + item.getKey() + "'");
                    }
                }
                if (base + size > 0x10000) {
                    throw new QemuUsageException("-device " + value + ": the ports run past 0xffff");
                }
                options.debugExitBase = OptionalInt.of(base);
                options.debugExitSize = size;
            }
            case "pc-testdev" -> {
                if (items.size() > 1) {
                    throw new QemuUsageException("-device " + value + ": pc-testdev takes no properties");
                }
                options.pcTestdev = true;
            }
            case "pci-testdev" ->
                throw new QemuUsageException("-device pci-testdev: needs PCI, which vmm4j does"
                        + " not emulate yet; leave it out (kvm-unit-tests only adds it when -device ? lists it)");
            default ->
                throw new QemuUsageException(
                        "-device " + driver + ": unsupported device; vmm4j qemu has " + String.join(", ", DEVICES));
        }
    }

    private static int number(String context, String value, int min, int max) throws QemuUsageException {
        try {
            int number = value.startsWith("0x") || value.startsWith("0X")
                    ? Integer.parseInt(value.substring(2), 16)
                    : Integer.decode(value);
            if (number >= min && number <= max) return number;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new QemuUsageException(context + ": '" + value + "' must be a number from " + min + " to " + max);
    }

    /** "a,k=v,k2=v2" as {"": "a", "k": "v", "k2": "v2"}; a bare item after the first is a flag (value "on"). */
    static Map<String, String> subOptions(String value) {
        Map<String, String> items = new LinkedHashMap<>();
        String[] parts = value.split(",");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            int equals = part.indexOf('=');
            if (equals >= 0) {
                items.put(part.substring(0, equals), part.substring(equals + 1));
            } else if (i == 0) {
                items.put("", part);
            } else {
                items.put(part, "on");
            }
        }
        return items;
    }

    private static String firstItem(String value) {
        return value.split(",")[0];
    }

    /**
     * QEMU's -initrd for Multiboot: modules separated by commas (",," is a literal comma); each is a
     * path, optionally followed by a space and arguments. Returns the items as written.
     */
    static List<String> moduleItems(String initrd) {
        List<String> items = new ArrayList<>();
        StringBuilder item = new StringBuilder();
        for (int i = 0; i < initrd.length(); i++) {
            char c = initrd.charAt(i);
            if (c == ',' && i + 1 < initrd.length() && initrd.charAt(i + 1) == ',') {
                item.append(',');
                i++;
            } else if (c == ',') {
                items.add(item.toString());
                item.setLength(0);
            } else {
                item.append(c);
            }
        }
        items.add(item.toString());
        return items;
    }
}
