package io.vmm4j.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks tests that run real guests on /dev/kvm, and lets them take a shared {@code Hypervisor} as a
 * parameter. They carry the tag {@code kvm}: where /dev/kvm does not exist, the build runs them in the nested-KVM
 * test VM instead (docs/TESTING.md). They are skipped, with the reason, only when the device does not exist where
 * they run; when it exists they run, and fail if KVM cannot be used.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("kvm")
@ExtendWith(KvmExtension.class)
public @interface RequiresKvm {}
