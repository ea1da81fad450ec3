package io.vmm4j.devices.legacy;

import io.vmm4j.api.IoDevice;
import io.vmm4j.api.StatefulDevice;
import io.vmm4j.api.StopReason;
import io.vmm4j.api.VirtualMachine;
import io.vmm4j.devices.state.StateReader;
import io.vmm4j.devices.state.StateWriter;

/**
 * The PS/2 controller, only as far as an operating system needs it without a keyboard: its probe
 * (self-test, command byte) and the CPU reset command (0xFE on port 0x64), which is how Linux's
 * {@code reboot} ends the VM. Register it on ports 0x60 to 0x64 (5 ports; 0x61 stays in the kernel).
 */
public final class I8042Controller implements IoDevice, StatefulDevice {
    public static final int BASE_PORT = 0x60;
    public static final int PORT_COUNT = 5;

    private static final int DATA = 0;
    private static final int COMMAND = 4;
    private static final int CMD_READ_COMMAND_BYTE = 0x20;
    private static final int CMD_WRITE_COMMAND_BYTE = 0x60;
    private static final int CMD_SELF_TEST = 0xAA;
    private static final int CMD_INTERFACE_TEST = 0xAB;
    private static final int CMD_READ_OUTPUT_PORT = 0xD0;
    private static final int CMD_WRITE_OUTPUT_PORT = 0xD1;
    private static final int CMD_RESET_CPU = 0xFE;
    private static final int STATUS_OUTPUT_FULL = 0x01;
    private static final int STATUS_SYSTEM_FLAG = 0x04;
    private static final int STATUS_COMMAND = 0x08;
    private static final int OUTPUT_PORT_RESET_LINE = 0x01;

    private static final int STATE_VERSION = 2;

    private final Runnable resetCpu;
    private int commandByte = 0x45; // translate, system flag, keyboard interrupt
    private int outputPort = 0x03; // reset line high (not in reset), A20 enabled
    private int pendingCommand = -1;
    private int outputBuffer = -1;
    private boolean lastWasCommand;

    /** @param resetCpu what the guest's reset command does: stop the VM with a reset reason */
    public I8042Controller(Runnable resetCpu) {
        this.resetCpu = resetCpu;
    }

    /** A controller whose reset line stops {@code vm} with {@link StopReason.Kind#SYSTEM_RESET}. */
    public static I8042Controller resetting(VirtualMachine vm) {
        return new I8042Controller(() -> vm.requestStop(StopReason.of(StopReason.Kind.SYSTEM_RESET)));
    }

    @Override
    public long read(long offset, int size) {
        if (offset == COMMAND) {
            return (outputBuffer >= 0 ? STATUS_OUTPUT_FULL : 0)
                    | STATUS_SYSTEM_FLAG
                    | (lastWasCommand ? STATUS_COMMAND : 0);
        }
        if (offset == DATA) {
            int value = Math.max(outputBuffer, 0);
            outputBuffer = -1;
            return value;
        }
        return 0xff;
    }

    @Override
    public void write(long offset, int size, long value) {
        int byteValue = (int) (value & 0xff);
        if (offset == COMMAND) {
            lastWasCommand = true;
            command(byteValue);
        } else if (offset == DATA) {
            lastWasCommand = false;
            data(byteValue);
        }
    }

    private void command(int command) {
        pendingCommand = -1;
        switch (command) {
            case CMD_READ_COMMAND_BYTE -> outputBuffer = commandByte;
            case CMD_WRITE_COMMAND_BYTE, CMD_WRITE_OUTPUT_PORT -> pendingCommand = command;
            case CMD_SELF_TEST -> outputBuffer = 0x55;
            case CMD_INTERFACE_TEST -> outputBuffer = 0x00;
            case CMD_READ_OUTPUT_PORT -> outputBuffer = outputPort;
            case CMD_RESET_CPU -> resetCpu.run();
            default -> {} // enable/disable interfaces and the rest need no state here
        }
    }

    private void data(int value) {
        if (pendingCommand == CMD_WRITE_COMMAND_BYTE) {
            commandByte = value;
        } else if (pendingCommand == CMD_WRITE_OUTPUT_PORT) {
            outputPort = value;
            if ((value & OUTPUT_PORT_RESET_LINE) == 0) resetCpu.run(); // the other way to pulse reset
        } else {
            outputBuffer = 0xFA; // ACK a byte sent to a (missing) keyboard
        }
        pendingCommand = -1;
    }

    /** Version 2 holds the whole controller; version 1 (command byte and output port only) is refused. */
    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    @Override
    public byte[] saveState() {
        return new StateWriter()
                .u8(commandByte)
                .u8(outputPort)
                .i32(pendingCommand)
                .i32(outputBuffer)
                .bool(lastWasCommand)
                .toByteArray();
    }

    @Override
    public void restoreState(int version, byte[] state) {
        StateReader in = StateReader.of("i8042", STATE_VERSION, version, state);
        int savedCommandByte = in.u8("command byte");
        int savedOutputPort = in.u8("output port");
        int at = in.offset();
        int savedPending = in.i32("pending command");
        if (savedPending != -1 && savedPending != CMD_WRITE_COMMAND_BYTE && savedPending != CMD_WRITE_OUTPUT_PORT) {
            throw in.refuse(at, "pending command 0x" + Integer.toHexString(savedPending) + " takes no data byte");
        }
        at = in.offset();
        int savedOutput = in.i32("output buffer");
        if (savedOutput < -1 || savedOutput > 0xff) {
            throw in.refuse(at, "output buffer " + savedOutput + " is neither empty (-1) nor a byte");
        }
        boolean savedLastWasCommand = in.bool("last write was a command");
        in.finish();
        commandByte = savedCommandByte;
        outputPort = savedOutputPort;
        pendingCommand = savedPending;
        outputBuffer = savedOutput;
        lastWasCommand = savedLastWasCommand;
    }
}
