/**
 * vmm4j: a virtual machine monitor embedded as a library. The exported packages are the public API
 * ({@code api}, {@code api.x86}), the KVM entry point ({@code kvm}), the builders, the x86 platform a
 * user assembles a VM from, the devices a user may attach or extend, and the sandboxes (with the guest
 * agent's client, the default image and the JUnit extension). The JNI bindings, the VM core's internals, the
 * backend traits, the agent's wire format and the command line stay inside.
 */
module io.vmm4j {
    requires org.apache.logging.log4j;
    requires org.bytedeco.javacpp;
    requires org.tukaani.xz;
    requires aircompressor;
    // Only io.vmm4j.sandbox.junit needs it, and only a program that uses that package brings it.
    requires static org.junit.jupiter.api;

    exports io.vmm4j.api;
    exports io.vmm4j.api.x86;
    exports io.vmm4j.kvm;
    exports io.vmm4j.builder;
    exports io.vmm4j.arch.x86;
    exports io.vmm4j.arch.x86.acpi;
    exports io.vmm4j.arch.x86.boot;
    exports io.vmm4j.arch.x86.machine;
    exports io.vmm4j.arch.x86.multiboot;
    exports io.vmm4j.devices.legacy;
    exports io.vmm4j.devices.qemu;
    exports io.vmm4j.devices.state;
    exports io.vmm4j.devices.virtio;
    exports io.vmm4j.guests;
    exports io.vmm4j.sandbox;
    exports io.vmm4j.sandbox.agent; // the guest agent's client; its wire format (sandbox.agent.wire) stays inside
    exports io.vmm4j.sandbox.image;
    exports io.vmm4j.sandbox.junit;

    // JavaCPP's loader finds the native library as a resource of the binding's package.
    opens io.vmm4j.jni to
            org.bytedeco.javacpp;
}
