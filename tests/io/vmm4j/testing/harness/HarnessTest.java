package io.vmm4j.testing.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The launcher's -Dtest patterns and the report's escaping: what the nested VM's results depend on. */
class HarnessTest {
    @Test
    void surefirePatternsSelectTheClassesSurefireWould() {
        assertTrue("io.vmm4j.kvm.LifecycleTest".matches(KvmTestLauncher.toRegex("LifecycleTest")));
        assertTrue("io.vmm4j.kvm.LifecycleTest".matches(KvmTestLauncher.toRegex("Lifecycle*")));
        assertTrue("io.vmm4j.kvm.LifecycleTest".matches(KvmTestLauncher.toRegex("io.vmm4j.kvm.LifecycleTest")));
        assertTrue("io.vmm4j.kvm.LifecycleTest".matches(KvmTestLauncher.toRegex("LifecycleTest#startStop")));
        assertFalse("io.vmm4j.kvm.NotLifecycleTest".matches(KvmTestLauncher.toRegex("LifecycleTest")));
        assertFalse("io.vmm4j.kvmXLifecycleTest".matches(KvmTestLauncher.toRegex("io.vmm4j.kvm.LifecycleTest")));
    }

    @Test
    void reportTextIsValidXmlWhateverAGuestPrinted() {
        assertEquals(
                "a &lt;b&gt; &amp; &quot;c&quot;\\x1b[0m\\x00\n",
                SurefireReport.escape("a <b> & \"c\"\u001b[0m\u0000\n"));
    }
}
