package io.vmm4j.sandbox.agent;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One command for the agent: its argv (argv[0] is looked up on the guest's PATH), environment variables set on top of
 * the agent's, working directory, stdin, and a timeout after which the agent kills its whole process tree.
 */
public final class ExecRequest {
    private final List<String> argv;
    private final Map<String, String> env;
    private final String cwd;
    private final byte[] stdinBytes;
    private final InputStream stdinStream;
    private final Duration timeout;

    private ExecRequest(Builder builder) {
        this.argv = List.copyOf(builder.argv);
        this.env = Map.copyOf(builder.env);
        this.cwd = builder.cwd;
        this.stdinBytes = builder.stdinBytes;
        this.stdinStream = builder.stdinStream;
        this.timeout = builder.timeout;
    }

    public static ExecRequest of(String... argv) {
        return builder(argv).build();
    }

    public static Builder builder(String... argv) {
        return builder(List.of(argv));
    }

    public static Builder builder(List<String> argv) {
        return new Builder(argv);
    }

    public Builder toBuilder() {
        Builder builder = new Builder(argv).env(env);
        builder.cwd = cwd;
        builder.stdinBytes = stdinBytes;
        builder.stdinStream = stdinStream;
        builder.timeout = timeout;
        return builder;
    }

    public List<String> argv() {
        return argv;
    }

    public Map<String, String> env() {
        return env;
    }

    public Optional<String> cwd() {
        return Optional.ofNullable(cwd);
    }

    public Optional<Duration> timeout() {
        return Optional.ofNullable(timeout);
    }

    /** Whether the command gets a stdin pipe; without one its stdin is /dev/null. */
    public boolean hasStdin() {
        return stdinBytes != null || stdinStream != null;
    }

    /** A fresh stream over the stdin bytes, or the stdin stream; null if there is no stdin. */
    InputStream openStdin() {
        return stdinBytes != null ? new ByteArrayInputStream(stdinBytes) : stdinStream;
    }

    @Override
    public String toString() {
        return String.join(" ", argv);
    }

    public static final class Builder {
        private final List<String> argv;
        private final Map<String, String> env = new LinkedHashMap<>();
        private String cwd;
        private byte[] stdinBytes;
        private InputStream stdinStream;
        private Duration timeout;

        private Builder(List<String> argv) {
            if (argv.isEmpty()) throw new IllegalArgumentException("an exec needs at least argv[0]");
            this.argv = List.copyOf(argv);
        }

        public Builder env(String name, String value) {
            if (name.isEmpty() || name.indexOf('=') >= 0) {
                throw new IllegalArgumentException("not an environment variable name: \"" + name + "\"");
            }
            env.put(name, Objects.requireNonNull(value, name));
            return this;
        }

        public Builder env(Map<String, String> variables) {
            variables.forEach(this::env);
            return this;
        }

        public Builder cwd(String directory) {
            this.cwd = Objects.requireNonNull(directory);
            return this;
        }

        public Builder stdin(byte[] bytes) {
            this.stdinBytes = bytes.clone();
            this.stdinStream = null;
            return this;
        }

        /** Stdin read from {@code stream} on a thread of the client's, until its end; the caller closes it. */
        public Builder stdin(InputStream stream) {
            this.stdinStream = Objects.requireNonNull(stream);
            this.stdinBytes = null;
            return this;
        }

        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero() || timeout.toMillis() > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("a timeout must be between 1 ms and 2^32 - 1 ms: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        public ExecRequest build() {
            return new ExecRequest(this);
        }
    }
}
