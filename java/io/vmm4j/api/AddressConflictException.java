package io.vmm4j.api;

/** A device or memory range that overlaps one already registered. */
public class AddressConflictException extends VmmException {
    public AddressConflictException(String operation, String message) {
        super(operation, 0, message);
    }
}
