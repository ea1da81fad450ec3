package io.vmm4j.arch.x86;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vmm4j.api.VirtioDeviceConfig;
import io.vmm4j.api.VirtioMmioSlot;
import java.util.List;
import org.junit.jupiter.api.Test;

class VirtioMmioKernelParametersTest {
    private static final VirtioDeviceConfig RNG = new VirtioDeviceConfig.Rng("rng");

    @Test
    void rendersSizeBaseAndIrqTheWayVirtioMmioParsesThem() {
        assertEquals(
                "virtio_mmio.device=4K@0xc0000000:5", VirtioMmioKernelParameters.of(MemoryLayout.virtioSlot(RNG, 0)));
    }

    @Test
    void joinsOneParameterPerSlot() {
        assertEquals(
                "virtio_mmio.device=4K@0xc0000000:5 virtio_mmio.device=4K@0xc0001000:6",
                VirtioMmioKernelParameters.of(
                        List.of(MemoryLayout.virtioSlot(RNG, 0), MemoryLayout.virtioSlot(RNG, 1))));
        assertEquals("", VirtioMmioKernelParameters.of(List.of()));
    }

    @Test
    void usesTheLargestExactSizeSuffix() {
        assertEquals(
                "virtio_mmio.device=512@0xd0000000:9",
                VirtioMmioKernelParameters.of(new VirtioMmioSlot(RNG, 0xD000_0000L, 512, 9)));
        assertEquals(
                "virtio_mmio.device=2M@0xd0000000:9",
                VirtioMmioKernelParameters.of(new VirtioMmioSlot(RNG, 0xD000_0000L, 2 << 20, 9)));
        assertEquals(
                "virtio_mmio.device=1G@0x100000000:9",
                VirtioMmioKernelParameters.of(new VirtioMmioSlot(RNG, 0x1_0000_0000L, 1 << 30, 9)));
    }
}
