package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vmm4j.sandbox.agent.wire.Protocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RESEED on the host: the agent feeds the host kernel's pool, which is harmless (the seeds come from a
 * SecureRandom, so the entropy credited is real). The ioctls need CAP_SYS_ADMIN in the initial user namespace, which
 * a guest's init has and an agent in a user namespace lacks. SandboxTest reseeds a real guest's kernel.
 */
@Timeout(60)
class AgentReseedTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    private static byte[] seed(int length) {
        byte[] seed = new byte[length];
        RANDOM.nextBytes(seed);
        return seed;
    }

    /** Whether this process may reseed the kernel's RNG: CAP_SYS_ADMIN (bit 21), and not in a user namespace. */
    private static boolean mayReseed() throws IOException {
        long effective = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(line -> line.startsWith("CapEff:"))
                .mapToLong(line -> Long.parseUnsignedLong(line.substring(7).trim(), 16))
                .findFirst()
                .orElse(0);
        boolean initialUserNamespace =
                Files.readString(Path.of("/proc/self/uid_map")).trim().matches("0\\s+0\\s+4294967295");
        return (effective & (1L << 21)) != 0 && initialUserNamespace;
    }

    @Test
    void withCapSysAdminEveryBoundedSeedIsAnsweredOk() throws Exception {
        assumeTrue(mayReseed(), "needs CAP_SYS_ADMIN in the initial user namespace (root on the host)");
        try (AgentProcess agent = AgentProcess.start()) {
            agent.client.reseed(seed(Protocol.MIN_SEED));
            agent.client.reseed(seed(Protocol.MAX_SEED));
            agent.client.reseed();
            agent.client.ping(Duration.ofSeconds(5));
        }
    }

    @Test
    void inAUserNamespaceTheRefusalNamesTheIoctlAndTheSessionGoesOn() throws Exception {
        try (AgentProcess agent = AgentProcess.start("unshare", "--map-root-user")) {
            AgentRequestException e = assertThrows(AgentRequestException.class, () -> agent.client.reseed());
            assertEquals(1, e.errno(), e.getMessage()); // EPERM
            assertTrue(
                    e.getMessage().contains("ioctl RNDADDENTROPY on /dev/urandom: Operation not permitted"),
                    e.getMessage());
            agent.client.ping(Duration.ofSeconds(5));
        }
    }

    @Test
    void theClientRefusesAnUnboundedSeedBeforeSendingIt() throws Exception {
        try (AgentProcess agent = AgentProcess.start()) {
            for (int length : new int[] {0, Protocol.MIN_SEED - 1, Protocol.MAX_SEED + 1, Protocol.MAX_PAYLOAD}) {
                IllegalArgumentException e =
                        assertThrows(IllegalArgumentException.class, () -> agent.client.reseed(new byte[length]));
                assertTrue(e.getMessage().contains("a seed of " + length + " bytes"), e.getMessage());
            }
            agent.client.ping(Duration.ofSeconds(5)); // nothing malformed reached the agent
        }
    }
}
