package io.vmm4j.jni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmm4j.benchmarks.baseline.RawKvm;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The upcall benchmark's native loop (benchmarks/native/upcall_loop.h) reaches the dispatcher vmm4j
 * installed, without KVM: an upcall for a vCPU key nobody registered is refused, and the loop says so.
 */
class InstalledUpcallTest {
    @Test
    void theBenchmarkLoopCallsTheInstalledDispatcher() {
        long callback = InstalledUpcall.address();
        assertNotEquals(0, callback);
        int unregisteredVcpuKey = 1 << 20;
        assertEquals(-1, RawKvm.bench_upcall_loop(callback, unregisteredVcpuKey, 0, 0, 1));
        assertEquals(-1, RawKvm.bench_upcall_loop(0, unregisteredVcpuKey, 0, 0, 1));
    }

    @Test
    void eachCallReachesTheRegisteredHandlerWithItsArguments() {
        AtomicInteger calls = new AtomicInteger();
        int vcpuKey = IoUpcallDispatcher.INSTANCE.register((deviceKey, address, size, isWrite, data) -> {
            if (deviceKey == 7 && address == 0 && size == 1 && isWrite && data == 0x5a) calls.incrementAndGet();
            return 0;
        });
        try {
            assertTrue(RawKvm.bench_upcall_loop(InstalledUpcall.address(), vcpuKey, 7, 1, 5) >= 0);
            assertEquals(5, calls.get());
        } finally {
            IoUpcallDispatcher.INSTANCE.unregister(vcpuKey);
        }
    }
}
