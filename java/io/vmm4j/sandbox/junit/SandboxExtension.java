package io.vmm4j.sandbox.junit;

import io.vmm4j.sandbox.Sandbox;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts a {@link Sandbox} for every {@link Sandboxed} field and parameter: static fields before all
 * tests of the class, instance fields and parameters before each test. Each sandbox is kept in the
 * extension context's store of that scope, which JUnit closes when the scope ends, even after a failure.
 *
 * <p>JUnit is an optional dependency of vmm4j: only programs that use this package need it.
 */
public final class SandboxExtension implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(SandboxExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        for (Field field : fields(context.getRequiredTestClass(), f -> Modifier.isStatic(f.getModifiers()))) {
            field.set(null, start(context, field.getAnnotation(Sandboxed.class), field.toString()));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IllegalAccessException {
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            for (Field field : fields(instance.getClass(), f -> !Modifier.isStatic(f.getModifiers()))) {
                field.set(instance, start(context, field.getAnnotation(Sandboxed.class), field.toString()));
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Sandbox.class && parameter.isAnnotated(Sandboxed.class);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Sandboxed settings = parameter.findAnnotation(Sandboxed.class).orElseThrow();
        return start(context, settings, parameter.getParameter().toString());
    }

    private static List<Field> fields(Class<?> type, Predicate<Field> scope) {
        List<Field> found = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!field.isAnnotationPresent(Sandboxed.class) || !scope.test(field)) continue;
                if (field.getType() != Sandbox.class) {
                    throw new ExtensionConfigurationException("@Sandboxed " + field + " is not of type Sandbox");
                }
                if (Modifier.isFinal(field.getModifiers())) {
                    throw new ExtensionConfigurationException("@Sandboxed " + field + " must not be final");
                }
                field.setAccessible(true);
                found.add(field);
            }
        }
        return found;
    }

    /** Starts one and hands it to {@code context}'s store, which closes it when the scope ends. */
    private static Sandbox start(ExtensionContext context, Sandboxed settings, String what) {
        Sandbox.Builder builder =
                Sandbox.builder().memoryMiB(settings.memoryMiB()).cpus(settings.cpus());
        for (String entry : settings.env()) {
            int equals = entry.indexOf('=');
            if (equals <= 0)
                throw new ExtensionConfigurationException("@Sandboxed env entry is not NAME=value: " + entry);
            builder.env(entry.substring(0, equals), entry.substring(equals + 1));
        }
        Sandbox sandbox = builder.name(context.getDisplayName().replaceAll("[^A-Za-z0-9_.-]", "_"))
                .start();
        context.getStore(NAMESPACE).put(new Object(), new Closing(sandbox));
        return sandbox;
    }

    /** A store value JUnit closes when its context ends. */
    private record Closing(Sandbox sandbox) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            sandbox.close();
        }
    }
}
