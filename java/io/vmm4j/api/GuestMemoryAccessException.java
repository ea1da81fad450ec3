package io.vmm4j.api;

/** A guest physical address range that is not entirely inside guest memory. */
public class GuestMemoryAccessException extends VmmException {
    public GuestMemoryAccessException(String operation, String message) {
        super(operation, 0, message);
    }
}
