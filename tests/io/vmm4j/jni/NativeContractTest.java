package io.vmm4j.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.api.VmmException;
import io.vmm4j.devices.virtio.VirtioFeatures;
import io.vmm4j.devices.virtio.block.BlockModel;
import io.vmm4j.devices.virtio.console.ConsoleModel;
import io.vmm4j.devices.virtio.rng.RngModel;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The Java side of the native contract agrees with the core's table (cpp/jni/contract.cpp). Loads
 * the native library; needs no /dev/kvm.
 */
class NativeContractTest {
    /** Java numbers that must stay compile-time constants (they work without the native library). */
    private static final Map<String, Long> JAVA_CONSTANTS = javaConstants();

    private static Map<String, Long> javaConstants() {
        Map<String, Long> constants = new LinkedHashMap<>();
        constants.put("virtio.feature.indirect_desc", VirtioFeatures.RING_INDIRECT_DESC);
        constants.put("virtio.feature.event_idx", VirtioFeatures.RING_EVENT_IDX);
        constants.put("virtio.feature.version_1", VirtioFeatures.VERSION_1);
        constants.put("virtio.interrupt.used_buffer", (long) VirtioFeatures.INTERRUPT_USED_BUFFER);
        constants.put("virtio.interrupt.config_change", (long) VirtioFeatures.INTERRUPT_CONFIG_CHANGE);
        constants.put("virtio.block.device_id", (long) BlockModel.DEVICE_ID);
        constants.put("virtio.block.feature.seg_max", BlockModel.F_SEG_MAX);
        constants.put("virtio.block.feature.read_only", BlockModel.F_RO);
        constants.put("virtio.block.feature.flush", BlockModel.F_FLUSH);
        constants.put("virtio.block.type.in", (long) BlockModel.T_IN);
        constants.put("virtio.block.type.out", (long) BlockModel.T_OUT);
        constants.put("virtio.block.type.flush", (long) BlockModel.T_FLUSH);
        constants.put("virtio.block.type.get_id", (long) BlockModel.T_GET_ID);
        constants.put("virtio.block.status.ok", (long) BlockModel.S_OK);
        constants.put("virtio.block.status.io_error", (long) BlockModel.S_IOERR);
        constants.put("virtio.block.status.unsupported", (long) BlockModel.S_UNSUPP);
        constants.put("virtio.console.device_id", (long) ConsoleModel.DEVICE_ID);
        constants.put("virtio.console.receive_queue", (long) ConsoleModel.RECEIVE_QUEUE);
        constants.put("virtio.console.transmit_queue", (long) ConsoleModel.TRANSMIT_QUEUE);
        constants.put("virtio.rng.device_id", (long) RngModel.DEVICE_ID);
        return constants;
    }

    @Test
    void javaConstantsEqualTheNativeValues() {
        JAVA_CONSTANTS.forEach((name, value) ->
                assertEquals(NativeContract.value(name), value, name + " differs between Java and C++"));
    }

    @Test
    void exitKindsAreExactlyTheNativeOnes() {
        Set<String> fromJava = new TreeSet<>();
        Set<Integer> codes = new HashSet<>();
        for (NativeExitKind kind : NativeExitKind.values()) {
            fromJava.add(kind.contractName());
            assertTrue(codes.add(kind.code()), "two exit kinds share code " + kind.code());
            assertEquals(kind, NativeExitKind.of(kind.code()));
        }
        assertEquals(namesIn("exit_kind."), fromJava);
        assertThrows(IllegalStateException.class, () -> NativeExitKind.of(1000));
    }

    @Test
    void exitInfoSlotsFitTheBlock() {
        int slots = NativeContract.EXIT_INFO_SLOTS;
        int[] used = {
            NativeExitKind.SLOT_KIND,
            NativeExitKind.SLOT_ADDRESS,
            NativeExitKind.SLOT_SIZE,
            NativeExitKind.SLOT_DATA,
            NativeExitKind.SLOT_COUNT,
            NativeExitKind.SLOT_REASON,
            NativeExitKind.SLOT_CPU,
            NativeExitKind.SLOT_DEVICE_KEY,
            NativeExitKind.SLOT_UPCALL_VALUE,
            NativeExitKind.SLOT_DATA_COUNT
        };
        Set<Integer> distinct = new HashSet<>();
        for (int slot : used) {
            assertTrue(slot >= 0 && slot < NativeExitKind.SLOT_EXTRA_DATA, "slot " + slot);
            assertTrue(distinct.add(slot), "slot " + slot + " used twice");
        }
        assertEquals(slots, NativeExitKind.SLOT_EXTRA_DATA + NativeExitKind.EXTRA_DATA_SLOTS);
    }

    @Test
    void blockSizesMatchTheirLayouts() {
        // Registers.of takes the regs block as is; the sregs block is 8 segments and 11 words.
        assertEquals(io.vmm4j.api.x86.Register.values().length, NativeContract.REGS_SLOTS);
        assertEquals(NativeContract.SEGMENT_COUNT * NativeContract.SEGMENT_SLOTS + 11, NativeContract.SREGS_SLOTS);
        assertEquals(8, NativeContract.SEGMENT_COUNT);
        assertEquals(1024, NativeContract.LAPIC_SIZE);
    }

    @Test
    void errorKindsCrossTheBoundaryAsTheirExceptions() {
        assertEquals(
                Set.of(
                        "error_kind.none",
                        "error_kind.system",
                        "error_kind.invalid_argument",
                        "error_kind.out_of_bounds",
                        "error_kind.conflict",
                        "error_kind.state",
                        "error_kind.internal"),
                namesIn("error_kind."));
        // Failures the core reports without KVM: each arrives as its kind's exception.
        byte[] buffer = new byte[4];
        assertEquals(-1, NativeCore.vmm4j_sink_copy(buffer, buffer.length));
        assertEquals(NativeContract.value("error_kind.state"), NativeCore.vmm4j_last_error_kind());
        assertInstanceOf(IllegalStateException.class, Native.lastError());
        assertEquals(-1, NativeCore.vmm4j_sink_copy(buffer, -1));
        assertInstanceOf(IllegalArgumentException.class, Native.lastError());
        assertEquals(-1, NativeCore.vmm4j_system_open("/nonexistent/vmm4j-contract-test"));
        assertEquals(NativeContract.value("error_kind.system"), NativeCore.vmm4j_last_error_kind());
        RuntimeException system = Native.lastError();
        assertInstanceOf(VmmException.class, system);
        assertTrue(system.getMessage().contains("/nonexistent/vmm4j-contract-test"), system.getMessage());
    }

    @Test
    void sinkOutputCanOnlyBeCopiedDuringASinkUpcall() {
        // Outside an upcall there is nothing to copy, whatever the caller asks for.
        byte[] buffer = new byte[NativeContract.SINK_CHUNK_BYTES];
        assertEquals(-1, NativeCore.vmm4j_sink_copy(buffer, buffer.length));
        assertTrue(NativeContract.SINK_CHUNK_BYTES > 0);
    }

    @Test
    void everyNativeConstantHasAJavaReader() throws ClassNotFoundException {
        // The readers are the static initializers of these classes.
        for (String reader : new String[] {"NativeContract", "NativeExitKind", "Native"}) {
            Class.forName("io.vmm4j.jni." + reader, true, getClass().getClassLoader());
        }
        for (NativeExitKind kind : NativeExitKind.values()) kind.code();
        Set<String> unread = new TreeSet<>(NativeContract.all().keySet());
        unread.removeAll(NativeContract.readNames());
        unread.removeAll(JAVA_CONSTANTS.keySet());
        unread.removeAll(namesIn("error_kind.")); // checked by errorKindsCrossTheBoundaryAsTheirExceptions
        assertEquals(Set.of(), unread, "native constants no Java code reads or checks");
    }

    private static Set<String> namesIn(String group) {
        Set<String> names = new TreeSet<>();
        for (String name : NativeContract.all().keySet()) {
            if (name.startsWith(group)) names.add(name);
        }
        return names;
    }
}
