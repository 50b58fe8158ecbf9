package io.kfrelay.security;

import io.kfrelay.protocol.ErrorCodes;
import io.kfrelay.room.Grants;
import io.kfrelay.security.SecurityMetrics.Counter;
import io.kfrelay.server.SecurityConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec: the gate every transport shares admits connections and JOINs, budgets messages, and counts each refusal. */
class SecurityGateTest {
    private static final InetSocketAddress A = new InetSocketAddress("192.0.2.1", 40000);
    private static final InetSocketAddress B = new InetSocketAddress("192.0.2.2", 40000);

    private final AtomicLong now = new AtomicLong();

    private SecurityGate gate(SecurityConfig.Builder b) {
        SecurityConfig c = b.build();
        return new SecurityGate(c, 64 * 1024, new JoinAuthorizer(c, () -> 1_800_000_000L), now::get);
    }

    @Test
    void aConnectionWaitsUntilItJoinsOrClosesAndTheExcessPerAddressIsRefused() {
        SecurityGate gate = gate(SecurityConfig.builder().maxPendingPerAddress(2));
        ConnectionGuard first = gate.open(A);
        ConnectionGuard second = gate.open(A);
        assertNotNull(first);
        assertNotNull(second);
        assertNull(gate.open(A), "a third connection from A that has not joined");
        assertNotNull(gate.open(B), "B is another address");
        assertEquals(1, gate.metrics().get(Counter.CONNECTIONS_REFUSED));

        assertInstanceOf(JoinDecision.Admit.class, first.join("r", "alice", ""));
        assertNotNull(gate.open(A), "a joined connection no longer counts as waiting");
        second.closed();
        second.closed(); // idempotent
        assertNotNull(gate.open(A));
        assertNull(gate.open(A));
    }

    @Test
    void anIpv6Slash64IsOneAddressForBothPerAddressLimits() {
        SecurityGate gate = gate(SecurityConfig.builder().maxPendingPerAddress(2).joinsPerSecondPerAddress(3));
        InetSocketAddress host1 = new InetSocketAddress("2001:db8:1:2::1", 40000);
        InetSocketAddress host1Privacy = new InetSocketAddress("2001:db8:1:2:8a3c:11ff:fe2b:9d01", 40001);
        InetSocketAddress neighbour = new InetSocketAddress("2001:db8:1:3::1", 40000);
        ConnectionGuard first = gate.open(host1);
        assertNotNull(first);
        assertNotNull(gate.open(host1Privacy));
        assertNull(gate.open(host1Privacy), "a third pending connection from the same /64, whichever address");
        assertNotNull(gate.open(neighbour), "the next /64 is someone else");

        assertInstanceOf(JoinDecision.Admit.class, first.join("r", "a", ""));
        assertInstanceOf(JoinDecision.Admit.class, gate.open(host1Privacy).join("r", "b", ""));
        assertInstanceOf(JoinDecision.Admit.class, gate.open(host1).join("r", "c", ""));
        JoinDecision.Refuse r = assertInstanceOf(JoinDecision.Refuse.class, gate.open(host1Privacy).join("r", "d", ""));
        assertEquals(ErrorCodes.TOO_MANY_JOINS, r.code(), "the fourth JOIN from the /64 within a second");
        assertInstanceOf(JoinDecision.Admit.class, gate.open(neighbour).join("r", "e", ""));
    }

    @Test
    void everyJoinDecisionIsCounted() {
        SecurityGate gate = gate(SecurityConfig.builder().authSecret(JoinTokensTest.SECRET).requireAuth(true)
                .joinsPerSecondPerAddress(2));
        ConnectionGuard g = gate.open(A);
        JoinDecision.Refuse r = assertInstanceOf(JoinDecision.Refuse.class, g.join("r", "alice", ""));
        assertEquals(ErrorCodes.TOKEN_REQUIRED, r.code());
        String token = new JoinTokens(JoinTokensTest.SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .issue(new JoinToken("alice", "r", Grants.ALL, 1_800_000_060L, 0), 1_800_000_000L);
        assertEquals(new JoinDecision.Admit(Grants.ALL), gate.open(A).join("r", "alice", token));
        JoinDecision.Refuse third = assertInstanceOf(JoinDecision.Refuse.class, gate.open(A).join("r", "alice", token));
        assertEquals(ErrorCodes.TOO_MANY_JOINS, third.code(), "the third JOIN from A within a second");
        now.addAndGet(500_000_000L);
        assertInstanceOf(JoinDecision.Admit.class, gate.open(A).join("r", "alice", token), "one refilled in 0.5 s");

        SecurityMetrics m = gate.metrics();
        assertEquals(1, m.get(Counter.TOKEN_REQUIRED));
        assertEquals(1, m.get(Counter.TOO_MANY_JOINS));
        assertEquals(2, m.get(Counter.JOINS_WITH_TOKEN));
        assertEquals(2, m.joinsRefused());
    }

    @Test
    void messagesAreBudgetedAndControlIsSizeLimited() {
        SecurityGate gate = gate(SecurityConfig.builder().ingressPacketsPerSecond(10).rateLimitGrace(java.time.Duration.ofSeconds(1)));
        ConnectionGuard g = gate.open(A);
        for (int i = 0; i < 10; i++) {
            assertEquals(IngressLimiter.Verdict.ADMIT, g.admit(100));
        }
        assertEquals(IngressLimiter.Verdict.DROP, g.admit(100), "the 11th message in the first second");
        now.set(500_000_000L);
        assertEquals(IngressLimiter.Verdict.DROP, untilRefused(g), "half a second later: still over, within the grace");
        now.set(1_000_000_000L);
        assertEquals(IngressLimiter.Verdict.DISCONNECT, untilRefused(g), "over the rate for the whole grace period");
        assertEquals(3, gate.metrics().get(Counter.RATE_LIMITED_MESSAGES));
        assertEquals(300, gate.metrics().get(Counter.RATE_LIMITED_BYTES));
        assertEquals(1, gate.metrics().get(Counter.RATE_LIMIT_DISCONNECTS));

        assertTrue(g.controlTooLarge(SecurityConfig.DEFAULT_MAX_CONTROL_BYTES + 1));
        assertTrue(!g.controlTooLarge(SecurityConfig.DEFAULT_MAX_CONTROL_BYTES));
        assertEquals(1, gate.metrics().get(Counter.CONTROL_TOO_LARGE));
    }

    /** Sends 100-byte messages until one is not admitted; returns that verdict. */
    private static IngressLimiter.Verdict untilRefused(ConnectionGuard g) {
        IngressLimiter.Verdict v;
        do {
            v = g.admit(100);
        } while (v == IngressLimiter.Verdict.ADMIT);
        return v;
    }

    @Test
    void startUpSaysWhetherAnOpenRelayIsReachableFromOtherMachines() {
        InetSocketAddress loopbackWs = new InetSocketAddress("127.0.0.1", 8080);
        InetSocketAddress loopbackQuic = new InetSocketAddress("::1", 4433);
        SecurityGate open = gate(SecurityConfig.builder());
        assertTrue(open.startupWarning(List.of(loopbackWs, loopbackQuic))
                .startsWith("WARNING: no --auth-secret: OPEN DEVELOPMENT MODE, on loopback only."));

        String loud = open.startupWarning(List.of(new InetSocketAddress("0.0.0.0", 8080), loopbackQuic));
        assertTrue(loud.startsWith("WARNING: OPEN DEVELOPMENT MODE ON A PUBLIC ADDRESS: no --auth-secret, yet listening on "
                + "every interface, port 8080.\n"), loud);
        assertEquals(3, loud.lines().filter(l -> l.startsWith("WARNING: ")).count(), loud);
        String named = open.startupWarning(List.of(loopbackWs, new InetSocketAddress("192.0.2.7", 4433)));
        assertTrue(named.contains("listening on 192.0.2.7:4433."), named);

        SecurityGate optional = gate(SecurityConfig.builder().authSecret(JoinTokensTest.SECRET));
        assertTrue(optional.startupWarning(List.of(new InetSocketAddress("0.0.0.0", 8080)))
                .startsWith("WARNING: --auth-secret without --require-auth"));
        assertNull(gate(SecurityConfig.builder().authSecret(JoinTokensTest.SECRET).requireAuth(true))
                .startupWarning(List.of(new InetSocketAddress("0.0.0.0", 8080))));
    }

    @Test
    void aByteRateBelowTheFrameLimitIsRefused() {
        SecurityConfig c = SecurityConfig.builder().ingressBytesPerSecond(64 * 1024).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SecurityGate(c, 128 * 1024));
        assertEquals("ingress-byte-rate (65536) must be at least max-frame-bytes (131072), or no full-size message could pass",
                e.getMessage());
    }
}
