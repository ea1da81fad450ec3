package io.vmm4j.api;

/** The hypervisor cannot be used on this host: no device, no permission, or no native library. */
public class HypervisorUnavailableException extends VmmException {
    public HypervisorUnavailableException(String operation, int errno, String message) {
        super(operation, errno, message);
    }

    public HypervisorUnavailableException(String operation, String message, Throwable cause) {
        super(operation, message, cause);
    }
}
