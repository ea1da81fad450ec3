package io.vmm4j.testing;

import io.vmm4j.api.Hypervisor;
import io.vmm4j.kvm.Kvm;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Skips a test only when /dev/kvm is absent (see {@link RequiresKvm}), and hands tests one shared
 * {@link Hypervisor} as a parameter, closed when the test run ends.
 */
final class KvmExtension implements ExecutionCondition, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KvmExtension.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (Files.exists(Kvm.DEFAULT_DEVICE)) {
            return ConditionEvaluationResult.enabled(Kvm.DEFAULT_DEVICE + " exists");
        }
        return ConditionEvaluationResult.disabled(
                "skipped: " + Kvm.DEFAULT_DEVICE + " does not exist on this host, so no guest can run");
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Hypervisor.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot()
                .getStore(NAMESPACE)
                .getOrComputeIfAbsent("kvm", key -> new SharedHypervisor(Kvm.open()), SharedHypervisor.class)
                .hypervisor;
    }

    /** Closes the hypervisor when JUnit closes the root store. */
    private record SharedHypervisor(Hypervisor hypervisor) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            hypervisor.close();
        }
    }
}
