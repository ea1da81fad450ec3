package io.vmm4j.sandbox;

/**
 * Makes a ready sandbox for a {@link SandboxPool}: by default a {@link Sandbox.Builder}'s {@code start}
 * (a cold boot); a snapshot template can make one by cloning instead.
 */
@FunctionalInterface
public interface SandboxFactory {
    Sandbox create();
}
