package io.vmm4j.jni;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every number the Java side shares with the native core, read once from the core's contract table
 * ({@code cpp/jni/contract.cpp}) when this class loads, as Netty's native transport reads its
 * constants: there is one source of truth, and the numbers here cannot drift from it. Java code
 * whose numbers must stay compile-time constants (the virtio device models, which run without the
 * native library) is checked against the same table by {@code NativeContractTest}.
 */
public final class NativeContract {
    private static final Set<String> READ = ConcurrentHashMap.newKeySet();
    private static final Map<String, Long> VALUES = read();

    public static final int SPACE_PIO = intValue("space.pio");
    public static final int SPACE_MMIO = intValue("space.mmio");
    public static final int RUN_MANUAL = intValue("run_mode.manual");
    public static final int RUN_MANAGED = intValue("run_mode.managed");
    public static final int UNCLAIMED_PIO_KEY = intValue("device_key.unclaimed_pio");
    public static final int UNCLAIMED_MMIO_KEY = intValue("device_key.unclaimed_mmio");
    /** The most bytes one sink upcall delivers. */
    public static final int SINK_CHUNK_BYTES = intValue("sink.chunk_bytes");

    public static final int REGS_SLOTS = intValue("slots.regs");
    public static final int SREGS_SLOTS = intValue("slots.sregs");
    public static final int SEGMENT_SLOTS = intValue("slots.segment");
    public static final int SEGMENT_COUNT = intValue("slots.segment_count");
    public static final int CPUID_ENTRY_SLOTS = intValue("slots.cpuid_entry");
    public static final int VIRTIO_QUEUE_SLOTS = intValue("slots.virtio_queue");
    public static final int EXIT_INFO_SLOTS = intValue("exit_info.slots");
    public static final int LAPIC_SIZE = intValue("slots.lapic_bytes");

    /** Bit positions in a packed segment attribute word; the selector is the low 16 bits. */
    public static final int SEGMENT_TYPE_SHIFT = intValue("segment.type_shift");

    public static final int SEGMENT_PRESENT_BIT = intValue("segment.present_bit");
    public static final int SEGMENT_DPL_SHIFT = intValue("segment.dpl_shift");
    public static final int SEGMENT_DB_BIT = intValue("segment.db_bit");
    public static final int SEGMENT_SYSTEM_BIT = intValue("segment.system_bit");
    public static final int SEGMENT_LONG_BIT = intValue("segment.long_bit");
    public static final int SEGMENT_GRANULARITY_BIT = intValue("segment.granularity_bit");
    public static final int SEGMENT_AVAILABLE_BIT = intValue("segment.available_bit");
    public static final int SEGMENT_UNUSABLE_BIT = intValue("segment.unusable_bit");

    private NativeContract() {}

    private static Map<String, Long> read() {
        NativeLibrary.ensureLoaded();
        Map<String, Long> values = new LinkedHashMap<>();
        int count = NativeCore.vmm4j_contract_count();
        for (int i = 0; i < count; i++)
            values.put(NativeCore.vmm4j_contract_name(i), NativeCore.vmm4j_contract_value(i));
        return Collections.unmodifiableMap(values);
    }

    /** The native value of {@code name}; fails when the core has no such constant. */
    public static long value(String name) {
        Long value = VALUES.get(name);
        if (value == null) throw new IllegalStateException("the native core has no contract constant '" + name + "'");
        READ.add(name);
        return value;
    }

    public static int intValue(String name) {
        return Math.toIntExact(value(name));
    }

    /** The whole table, in the core's order. */
    public static Map<String, Long> all() {
        return VALUES;
    }

    /** The names Java has read so far (for NativeContractTest). */
    static Set<String> readNames() {
        return Set.copyOf(READ);
    }
}
