package io.vmm4j.api;

import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a restore cannot take from the snapshot: the Java objects behind the VM's devices. Everything
 * else (the configuration, native devices, every device's state) comes from the files.
 *
 * <p>Every Java {@link IoDevice} the snapshot names must be given, under the same name; its state is
 * then restored into it when it is a {@link StatefulDevice}. A serial port's output goes where
 * {@link Builder#serialOutput} says, or nowhere.
 */
public final class RestoreOptions {
    private static final RestoreOptions NONE = builder().build();

    private final Map<String, IoDevice> ioDevices;
    private final Map<String, OutputStream> serialOutputs;
    private final boolean advanceClock;

    private RestoreOptions(Builder builder) {
        this.ioDevices = Map.copyOf(builder.ioDevices);
        this.serialOutputs = Map.copyOf(builder.serialOutputs);
        this.advanceClock = builder.advanceClock;
    }

    public static RestoreOptions none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Map<String, IoDevice> ioDevices() {
        return ioDevices;
    }

    public Map<String, OutputStream> serialOutputs() {
        return serialOutputs;
    }

    /** Whether the guest's clock moves on by the time the snapshot spent on disk (default true). */
    public boolean advanceClock() {
        return advanceClock;
    }

    public static final class Builder {
        private final Map<String, IoDevice> ioDevices = new LinkedHashMap<>();
        private final Map<String, OutputStream> serialOutputs = new LinkedHashMap<>();
        private boolean advanceClock = true;

        private Builder() {}

        /** The Java device the snapshot's device {@code name} is restored into. */
        public Builder ioDevice(String name, IoDevice device) {
            ioDevices.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(device, "device"));
            return this;
        }

        /** Where the serial port {@code name} transmits to in the restored VM. */
        public Builder serialOutput(String name, OutputStream output) {
            serialOutputs.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(output, "output"));
            return this;
        }

        /**
         * True (the default): kvmclock moves on by the host time since the snapshot, so the guest's
         * wall clock is the host's. False: it goes on from the snapshot's time (never backwards).
         */
        public Builder advanceClock(boolean advance) {
            this.advanceClock = advance;
            return this;
        }

        public RestoreOptions build() {
            return new RestoreOptions(this);
        }
    }
}
