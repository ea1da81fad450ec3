package io.vmm4j.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Makes sure the default sandbox image is prepared in the tests' cache before a class's sandboxes start
 * (on a host with KVM, surefire runs the sandbox tests without tests/kvm-vm/junit, which prepares it
 * first). Register it before {@code @Sandboxes}, so that its callback runs first.
 */
public final class PreparedSandboxImage implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        DebianPackages.sandboxImage();
    }
}
