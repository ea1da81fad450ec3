package io.vmm4j.devices.qemu;

import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.arch.x86.E820Entry;
import io.vmm4j.arch.x86.E820Map;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.state.StateWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * QEMU's firmware configuration device, traditional I/O-port interface only (no DMA): a 16-bit write
 * to the selector port (0x510) picks an item and rewinds it; each read of the data port (0x511)
 * returns its next byte, and zeros past its end. An item vmm4j does not have reads as zeros, as an
 * unknown key does on QEMU.
 *
 * <p>The items are those bare-metal test kernels read (kvm-unit-tests' lib/x86/fwcfg.c reads RAM_SIZE,
 * NB_CPUS and MAX_CPUS), plus the signature, the interface id, QEMU's legacy e820 table and the IRQ0
 * override flag.
 */
public final class FwCfg implements IoDevice, StatefulDevice {
    public static final int BASE_PORT = 0x510;
    public static final int PORT_COUNT = 2;
    public static final int SIGNATURE = 0x00;
    public static final int ID = 0x01;
    public static final int RAM_SIZE = 0x03;
    public static final int NOGRAPHIC = 0x04;
    public static final int NB_CPUS = 0x05;
    public static final int MAX_CPUS = 0x0f;
    /** Architecture-local keys start here. */
    public static final int ARCH_LOCAL = 0x8000;

    public static final int IRQ0_OVERRIDE = ARCH_LOCAL + 2;
    /** u32 entry count, then {u64 address, u64 length, u32 type} per entry. */
    public static final int E820_TABLE = ARCH_LOCAL + 3;
    /** Bit 0 of the ID item: the traditional (port) interface; bit 1 (DMA) is clear. */
    static final int ID_TRADITIONAL = 1;

    private static final int E820_ENTRY_SIZE = 20;

    private static final int STATE_VERSION = 1;

    private final Map<Integer, byte[]> items;
    private int selector;
    private byte[] selected = new byte[0];
    private int position;

    public FwCfg(Map<Integer, byte[]> items) {
        this.items = Map.copyOf(items);
    }

    /**
     * The items of a PC: {@code ramSize} bytes of RAM laid out as {@code map}, {@code cpus} vCPUs
     * started and at most {@code maxCpus}.
     */
    public static FwCfg forPc(long ramSize, int cpus, int maxCpus, E820Map map, boolean nographic) {
        Map<Integer, byte[]> items = new HashMap<>();
        items.put(SIGNATURE, "QEMU".getBytes(StandardCharsets.US_ASCII));
        items.put(ID, le(4, ID_TRADITIONAL));
        items.put(RAM_SIZE, le(8, ramSize));
        items.put(NOGRAPHIC, le(2, nographic ? 1 : 0));
        items.put(NB_CPUS, le(2, cpus));
        items.put(MAX_CPUS, le(2, maxCpus));
        items.put(IRQ0_OVERRIDE, le(4, 1));
        ByteBuffer e820 =
                ByteBuffer.allocate(4 + map.entries().size() * E820_ENTRY_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        e820.putInt(map.entries().size());
        for (E820Entry entry : map.entries()) {
            e820.putLong(entry.address()).putLong(entry.size()).putInt(entry.type());
        }
        items.put(E820_TABLE, e820.array());
        return new FwCfg(items);
    }

    @Override
    public long read(long offset, int size) {
        // As QEMU's port interface: a wider read returns the next bytes, the first in the high byte.
        long value = 0;
        for (int i = 0; i < size; i++) value = (value << 8) | nextByte();
        return value;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset == 0) select((int) (value & 0xffff), 0);
        // Writes to the data port are ignored, as on QEMU 2.4 and later.
    }

    private synchronized void select(int key, int at) {
        selector = key;
        selected = items.getOrDefault(key, new byte[0]);
        position = at;
    }

    /** The selector and the read position: the items themselves come from the VM's configuration. */
    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    @Override
    public synchronized byte[] saveState() {
        return new StateWriter().i32(selector).i32(position).toByteArray();
    }

    @Override
    public synchronized void restoreState(int version, byte[] state) {
        StateReader in = StateReader.of("fw_cfg", STATE_VERSION, version, state);
        int at = in.offset();
        int key = in.i32("selector");
        if (key < 0 || key > 0xffff) throw in.refuse(at, "selector 0x" + Integer.toHexString(key) + " is not 16-bit");
        at = in.offset();
        int savedPosition = in.i32("position");
        int itemLength = items.getOrDefault(key, new byte[0]).length;
        if (savedPosition < 0 || savedPosition > itemLength) {
            throw in.refuse(
                    at,
                    "position " + savedPosition + " is outside item 0x" + Integer.toHexString(key) + " (" + itemLength
                            + " bytes)");
        }
        in.finish();
        select(key, savedPosition);
    }

    private synchronized int nextByte() {
        return position < selected.length ? selected[position++] & 0xff : 0;
    }

    private static byte[] le(int bytes, long value) {
        byte[] result = new byte[bytes];
        for (int i = 0; i < bytes; i++) result[i] = (byte) (value >>> (8 * i));
        return result;
    }
}
