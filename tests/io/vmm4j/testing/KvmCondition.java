package io.vmm4j.testing;

import io.vmm4j.kvm.Kvm;
import java.nio.file.Files;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Skips a test only when /dev/kvm is absent; see {@link RequiresKvm}. */
final class KvmCondition implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (Files.exists(Kvm.DEFAULT_DEVICE)) {
            return ConditionEvaluationResult.enabled(Kvm.DEFAULT_DEVICE + " exists");
        }
        return ConditionEvaluationResult.disabled("skipped: " + Kvm.DEFAULT_DEVICE
                + " does not exist on this host, so no guest can run");
    }
}
