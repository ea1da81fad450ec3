package io.vmm4j.sandbox.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SET_TIME on the host. Setting the host's real clock is not acceptable in a test, so the agent runs without
 * CAP_SYS_TIME (setpriv) and the request must fail with clock_settime's EPERM and leave the session usable; the
 * Linux sandbox tests set the guest's clock for real.
 */
@Timeout(60)
class AgentClockTest {
    @Test
    void setClockWithoutThePrivilegeFailsCleanly() throws Exception {
        try (AgentProcess agent = AgentProcess.start(AgentProcess.withoutClockPrivilege())) {
            AgentRequestException e =
                    assertThrows(AgentRequestException.class, () -> agent.client.setClock(Instant.now()));
            assertEquals(1, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("clock_settime: Operation not permitted"), e.getMessage());
            agent.client.ping(Duration.ofSeconds(5));
        }
    }
}
