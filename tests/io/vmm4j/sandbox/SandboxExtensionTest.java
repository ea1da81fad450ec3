package io.vmm4j.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.vmm4j.sandbox.junit.Sandboxed;
import io.vmm4j.sandbox.junit.Sandboxes;
import io.vmm4j.testing.PreparedSandboxImage;
import io.vmm4j.testing.RequiresKvm;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs a test class that uses the extension ({@link Demo}) through the JUnit launcher, and checks what it
 * injected (one sandbox per class for the static field, one per test for the instance field and the
 * parameter) and that all of them were closed afterwards, the one of a failing test included.
 */
@RequiresKvm
@ExtendWith(PreparedSandboxImage.class)
class SandboxExtensionTest {
    /** What {@link Demo} saw, by test, in order. */
    static final List<Map<String, Sandbox>> SEEN = Collections.synchronizedList(new ArrayList<>());

    @Test
    void injectsOnePerClassAndOnePerTestAndClosesThemEvenWhenATestFails() {
        SEEN.clear();
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(Demo.class))
                .build();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(request, listener);
        TestExecutionSummary summary = listener.getSummary();
        assertEquals(2, summary.getTestsStartedCount(), "both Demo tests ran");
        assertEquals(1, summary.getTestsSucceededCount());
        assertEquals(1, summary.getTestsFailedCount(), "the second fails on purpose");
        assertTrue(summary.getFailures().get(0).getException().getMessage().contains("on purpose"));

        assertEquals(2, SEEN.size());
        Map<String, Sandbox> first = SEEN.get(0);
        Map<String, Sandbox> second = SEEN.get(1);
        assertSame(first.get("static"), second.get("static"), "a static field: one per class");
        assertNotSame(first.get("field"), second.get("field"), "an instance field: one per test");
        for (Map<String, Sandbox> seen : SEEN) {
            for (Map.Entry<String, Sandbox> entry : seen.entrySet()) {
                Sandbox sandbox = entry.getValue();
                assertFalse(sandbox.isAlive(), entry.getKey() + " was closed");
                assertThrows(SandboxClosedException.class, () -> sandbox.exec("true"), entry.getKey());
            }
        }
    }

    /** Not run by itself: a nested class is not selected by the build's test patterns nor tagged kvm. */
    @Sandboxes
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class Demo {
        @Sandboxed(memoryMiB = 128)
        static Sandbox perClass;

        @Sandboxed(memoryMiB = 128, env = "WHO=field")
        Sandbox perTest;

        @Test
        @Order(1)
        void first(@Sandboxed(memoryMiB = 128) Sandbox parameter) {
            assertEquals("field\n", perTest.exec("sh", "-c", "echo $WHO").stdoutText());
            assertEquals("ok\n", parameter.exec("echo", "ok").stdoutText());
            assertNotSame(perTest, parameter);
            SEEN.add(Map.of("static", perClass, "field", perTest, "parameter", parameter));
        }

        @Test
        @Order(2)
        void second() {
            assertTrue(perClass.isAlive());
            SEEN.add(Map.of("static", perClass, "field", perTest));
            fail("failing on purpose: the extension must still close the sandboxes");
        }
    }
}
