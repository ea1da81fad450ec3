package io.vmm4j.api.x86;

import java.util.Arrays;

/** An immutable set of general-purpose register values. */
public final class Registers {
    private static final int COUNT = Register.values().length;
    private final long[] values;

    private Registers(long[] values) {
        this.values = values;
    }

    /** From values in {@link Register} order. */
    public static Registers of(long[] values) {
        if (values.length != COUNT) throw new IllegalArgumentException("expected " + COUNT + " values");
        return new Registers(values.clone());
    }

    public long get(Register register) {
        return values[register.ordinal()];
    }

    public Registers with(Register register, long value) {
        long[] copy = values.clone();
        copy[register.ordinal()] = value;
        return new Registers(copy);
    }

    /** The values in {@link Register} order. */
    public long[] toArray() {
        return values.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Registers that && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("Registers[");
        for (Register register : Register.values()) {
            if (register.ordinal() > 0) text.append(", ");
            text.append(register.name().toLowerCase()).append("=0x").append(Long.toHexString(get(register)));
        }
        return text.append(']').toString();
    }
}
