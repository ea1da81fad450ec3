package io.vmm4j.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vmm4j.api.GuestMemory;
import io.vmm4j.api.GuestMemoryAccessException;
import io.vmm4j.api.Hypervisor;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.api.VmConfig;
import io.vmm4j.arch.x86.MemoryLayout;
import io.vmm4j.testing.RequiresKvm;
import org.junit.jupiter.api.Test;

@RequiresKvm
class SplitMemoryTest {
    @Test
    void ramAboveTheGapStartsAtFourGibAndTheGapHasNoRam() {
        long size = 0xC000_0000L + (64L << 20); // 64 MiB more than fits below the gap
        try (Hypervisor kvm = Kvm.open();
                VirtualMachine vm =
                        kvm.createVm(VmConfig.builder().memorySize(size).build())) {
            GuestMemory memory = vm.memory();
            assertEquals(size, memory.size(), "size() is the total RAM, gap excluded");
            memory.writeLong(MemoryLayout.MMIO_GAP_START - 8, 0x1122334455667788L);
            assertEquals(0x1122334455667788L, memory.readLong(MemoryLayout.MMIO_GAP_START - 8));
            memory.writeLong(MemoryLayout.MMIO_GAP_END, 42);
            long lastByte = MemoryLayout.MMIO_GAP_END + (64L << 20) - 1;
            memory.writeByte(lastByte, (byte) 7);
            assertEquals(42, memory.readLong(MemoryLayout.MMIO_GAP_END));
            assertEquals(7, memory.readByte(lastByte));
            assertThrows(GuestMemoryAccessException.class, () -> memory.readByte(MemoryLayout.MMIO_GAP_START));
            assertThrows(GuestMemoryAccessException.class, () -> memory.readByte(lastByte + 1));
            assertThrows(GuestMemoryAccessException.class, () -> memory.read(MemoryLayout.MMIO_GAP_START - 4, 8));
        }
    }
}
