package io.vmm4j.sandbox.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link io.vmm4j.sandbox.Sandbox} field or parameter for {@link SandboxExtension} to fill, as
 * Testcontainers does for its containers: a static field gets one sandbox for the whole class, an instance
 * field or a test method's parameter one per test. The extension closes each when its scope ends, whether
 * the tests passed or not.
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface Sandboxed {
    /** Guest memory. */
    long memoryMiB() default 256;

    /** vCPUs. */
    int cpus() default 1;

    /** {@code NAME=value} entries for every command's environment. */
    String[] env() default {};
}
