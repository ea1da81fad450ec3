package io.vmm4j.benchmarks;

import io.vmm4j.api.VmConfig;
import io.vmm4j.api.x86.Register;
import io.vmm4j.api.x86.Registers;
import io.vmm4j.arch.x86.FlatBinaryBoot;

/** What every benchmark VM has in common. */
final class LoopGuests {
    /** Guest RAM of every benchmark VM: 128 MiB, as in the issue. */
    static final long MEMORY_SIZE = 128L << 20;

    static final VmConfig CONFIG =
            VmConfig.builder().vcpuCount(1).memorySize(MEMORY_SIZE).build();
    /** The value the write loops write (EAX). */
    static final long VALUE = 0x5a;
    /** GPA of the word the spin guest writes 'SPIN' to once it runs. */
    static final long SPIN_MARKER_ADDRESS = 0x6008;

    static final int SPIN_MARKER = 0x5350494E;

    private LoopGuests() {}

    /** Registers that start a loop guest for {@code count} accesses to {@code target}. */
    static Registers batchRegisters(long count, long target) {
        return Registers.of(new long[Register.values().length])
                .with(Register.RIP, FlatBinaryBoot.LOAD_ADDRESS)
                .with(Register.RFLAGS, 0x2)
                .with(Register.RCX, count)
                .with(Register.RDX, target)
                .with(Register.RAX, VALUE);
    }
}
