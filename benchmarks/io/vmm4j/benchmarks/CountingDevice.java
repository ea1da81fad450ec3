package io.vmm4j.benchmarks;

import io.vmm4j.api.IoDevice;

/** The smallest useful Java device: counts accesses, reads as 0. */
final class CountingDevice implements IoDevice {
    long accesses;

    @Override
    public long read(long offset, int size) {
        accesses++;
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        accesses++;
    }
}
