package io.vmm4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VmConfigTest {
    @Test
    void defaultsAreOneVcpuAnd128MiB() {
        VmConfig config = VmConfig.builder().build();
        assertEquals(1, config.vcpuCount());
        assertEquals(128L << 20, config.memorySize());
    }

    @Test
    void zeroMemoryIsRefused() {
        var error = assertThrows(
                IllegalArgumentException.class,
                () -> VmConfig.builder().memorySize(0).build());
        assertTrue(error.getMessage().contains("memorySize"), error.getMessage());
    }

    @Test
    void memoryMustBePageAligned() {
        var error = assertThrows(
                IllegalArgumentException.class,
                () -> VmConfig.builder().memorySize((1L << 20) + 1).build());
        assertTrue(error.getMessage().contains("4096"), error.getMessage());
    }

    @Test
    void atLeastOneVcpu() {
        assertThrows(
                IllegalArgumentException.class,
                () -> VmConfig.builder().vcpuCount(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> VmConfig.builder().memorySize(-4096).build());
    }
}
