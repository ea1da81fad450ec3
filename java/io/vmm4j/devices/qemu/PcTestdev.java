package io.vmm4j.devices.qemu;

import io.vmm4j.api.AddressSpace;
import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.state.StateWriter;

/**
 * QEMU's pc-testdev, the ISA device kvm-unit-tests drives:
 * <ul>
 *   <li>0xe0, 4 ports: a 32-bit scratch register; an access of n bytes at port 0xe0 + k reads or writes
 *       bytes k to k + n - 1 of it (string I/O arrives here one element at a time);
 *   <li>0xe4, 4 ports: "flush page": QEMU remaps the guest page the written address names, which the
 *       guest cannot observe; accepted and ignored;
 *   <li>0xe8, 4 ports: the same scratch register, for byte-wise access;
 *   <li>0x2000, 24 ports: a write to 0x2000 + n sets the level of ISA interrupt line n (non-zero asserts);
 *   <li>MMIO 0xff000000, 64 KiB: plain memory behind MMIO exits, for emulator tests.
 * </ul>
 *
 * <p>The scratch register and the MMIO memory are state ({@link StatefulDevice}, saved under both
 * scratch ports and the iomem range); the interrupt line levels live in the VM's irqchip.
 */
public final class PcTestdev {
    public static final int IOPORT = 0xe0;
    public static final int FLUSH_PAGE = 0xe4;
    public static final int IOPORT_BYTE = 0xe8;
    public static final int PORT_LENGTH = 4;
    public static final int IRQ_LINE_BASE = 0x2000;
    public static final int IRQ_LINES = 24;
    public static final long IOMEM_BASE = 0xff00_0000L;
    public static final int IOMEM_LENGTH = 0x1_0000;

    /** Where interrupt line levels go: {@link VirtualMachine#setIrqLevel} on a VM. */
    @FunctionalInterface
    public interface IrqLines {
        void setLevel(int line, boolean asserted);
    }

    private static final int STATE_VERSION = 1;

    private final IrqLines irqLines;
    private final byte[] iomem = new byte[IOMEM_LENGTH];
    private int scratch;

    public PcTestdev(IrqLines irqLines) {
        this.irqLines = irqLines;
    }

    /** Registers every range on a CREATED VM that has the irqchip. */
    public void install(VirtualMachine vm) {
        vm.addIoDevice("pc-testdev-ioport", AddressSpace.PIO, IOPORT, PORT_LENGTH, scratchPort());
        vm.addIoDevice("pc-testdev-flush-page", AddressSpace.PIO, FLUSH_PAGE, PORT_LENGTH, flushPagePort());
        vm.addIoDevice("pc-testdev-ioport-byte", AddressSpace.PIO, IOPORT_BYTE, PORT_LENGTH, scratchPort());
        vm.addIoDevice("pc-testdev-irq-line", AddressSpace.PIO, IRQ_LINE_BASE, IRQ_LINES, irqLinePorts());
        vm.addIoDevice("pc-testdev-iomem", AddressSpace.MMIO, IOMEM_BASE, IOMEM_LENGTH, iomem());
    }

    /** The scratch register, as at 0xe0 and 0xe8. */
    public IoDevice scratchPort() {
        return new StatefulPort() {
            @Override
            public byte[] saveState() {
                synchronized (PcTestdev.this) {
                    return new StateWriter().i32(scratch).toByteArray();
                }
            }

            @Override
            public void restoreState(int version, byte[] state) {
                StateReader in = StateReader.of("pc-testdev scratch", STATE_VERSION, version, state);
                int value = in.i32("scratch");
                in.finish();
                synchronized (PcTestdev.this) {
                    scratch = value;
                }
            }

            @Override
            public long read(long offset, int size) {
                synchronized (PcTestdev.this) {
                    return Integer.toUnsignedLong(scratch & mask(offset, size)) >>> shift(offset);
                }
            }

            @Override
            public void write(long offset, int size, long value) {
                synchronized (PcTestdev.this) {
                    int mask = mask(offset, size);
                    scratch = (scratch & ~mask) | ((int) value << shift(offset)) & mask;
                }
            }
        };
    }

    public IoDevice flushPagePort() {
        return new IoDevice() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                // QEMU maps the page, mprotects it to none and back: nothing the guest can see.
            }
        };
    }

    public IoDevice irqLinePorts() {
        return new IoDevice() {
            @Override
            public long read(long offset, int size) {
                return 0;
            }

            @Override
            public void write(long offset, int size, long value) {
                irqLines.setLevel((int) offset, (value & 0xff) != 0);
            }
        };
    }

    public IoDevice iomem() {
        return new StatefulPort() {
            @Override
            public byte[] saveState() {
                synchronized (PcTestdev.this) {
                    return new StateWriter().blob(iomem).toByteArray();
                }
            }

            @Override
            public void restoreState(int version, byte[] state) {
                StateReader in = StateReader.of("pc-testdev iomem", STATE_VERSION, version, state);
                int at = in.offset();
                byte[] saved = in.blob("iomem", IOMEM_LENGTH);
                if (saved.length != IOMEM_LENGTH) {
                    throw in.refuse(at, "iomem has " + saved.length + " bytes, not " + IOMEM_LENGTH);
                }
                in.finish();
                synchronized (PcTestdev.this) {
                    System.arraycopy(saved, 0, iomem, 0, IOMEM_LENGTH);
                }
            }

            @Override
            public long read(long offset, int size) {
                synchronized (PcTestdev.this) {
                    long value = 0;
                    for (int i = size - 1; i >= 0; i--) value = (value << 8) | byteAt(offset + i);
                    return value;
                }
            }

            @Override
            public void write(long offset, int size, long value) {
                synchronized (PcTestdev.this) {
                    for (int i = 0; i < size && offset + i < IOMEM_LENGTH; i++)
                        iomem[(int) offset + i] = (byte) (value >>> (8 * i));
                }
            }

            private int byteAt(long at) {
                return at < IOMEM_LENGTH ? iomem[(int) at] & 0xff : 0;
            }
        };
    }

    private abstract static class StatefulPort implements IoDevice, StatefulDevice {
        @Override
        public int stateVersion() {
            return STATE_VERSION;
        }
    }

    private static int shift(long offset) {
        return (int) (offset & 3) * 8;
    }

    private static int mask(long offset, int size) {
        int bits = Math.min(size, 4) * 8;
        return (int) ((0xffff_ffffL >>> (32 - bits)) << shift(offset));
    }
}
